"""The Argus token-auth façade: DRF shapes over the same AuthService."""

from __future__ import annotations

from datastore.tokenauth.v1 import token_auth_pb2, token_auth_pb2_grpc
from server.api.context import current_principal
from server.domain.errors import FieldViolation, InvalidArgument, Unauthenticated
from server.services.auth import AuthService

# DRF's own wording, which Argus clients show to their users.
BAD_CREDENTIALS = "Unable to log in with provided credentials."
REQUIRED = "This field is required."


class TokenAuthServicer(token_auth_pb2_grpc.TokenAuthServiceServicer):
    def __init__(self, service: AuthService) -> None:
        self.service = service

    def ObtainToken(self, request, context):
        missing = [FieldViolation(f, REQUIRED) for f in ("username", "password") if not getattr(request, f)]
        if missing:
            raise InvalidArgument(REQUIRED, field_violations=missing)
        try:
            issued = self.service.create_token(request.username, request.password)
        except Unauthenticated:
            # DRF's ObtainAuthToken answers bad credentials with 400, not 401.
            raise InvalidArgument(BAD_CREDENTIALS, reason="CREDENTIALS_INVALID") from None
        return token_auth_pb2.ObtainTokenResponse(token=issued.token)

    def RefreshToken(self, request, context):
        issued = self.service.refresh_token(current_principal())
        return token_auth_pb2.RefreshTokenResponse(token=issued.token)

    def GetUser(self, request, context):
        p = current_principal()
        return token_auth_pb2.GetUserResponse(pk=p.user_id, username=p.username)
