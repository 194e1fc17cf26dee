"""AuthService servicer."""

from __future__ import annotations

from datastore.v1 import auth_pb2, auth_pb2_grpc
from server.api import converters as c
from server.api.context import current_principal
from server.services.auth import AuthService


class AuthServicer(auth_pb2_grpc.AuthServiceServicer):
    def __init__(self, service: AuthService) -> None:
        self.service = service

    def CreateToken(self, request, context):
        issued = self.service.create_token(request.username, request.password)
        return auth_pb2.CreateTokenResponse(token=issued.token, expire_timestamp=issued.expires_at)

    def RefreshToken(self, request, context):
        issued = self.service.refresh_token(current_principal())
        return auth_pb2.RefreshTokenResponse(token=issued.token, expire_timestamp=issued.expires_at)

    def GetCurrentUser(self, request, context):
        return auth_pb2.GetCurrentUserResponse(user=c.principal_to_user(current_principal()))
