"""DescriptorService through a real server: lifecycle, validation, admin-only writes."""

import grpc
from google.protobuf import field_mask_pb2

from datastore.v1 import descriptor_pb2 as d
from tests.conftest import make_store, unique
from tests.helpers import error_info, expect_error, violations


def create(stubs, **fields):
    return stubs.call(stubs.descriptors.CreateDescriptor, d.CreateDescriptorRequest(descriptor=d.Descriptor(**fields)))


def test_create_get_list_update_delete(admin):
    name = unique()
    created = create(
        admin,
        name=name,
        description="Description of store",
        data_type=d.DATA_TYPE_MAP,
        behaviour_type=d.BEHAVIOUR_TYPE_CENTRAL,
        expire_data=True,
        life_time=259200000,
    ).descriptor
    assert created.name == name and created.life_time == 259200000 and created.expire_data
    assert created.created_by_user.user_name == "admin" and created.last_updated_timestamp > 0
    assert not created.deleted and not created.global_data

    got = admin.call(admin.descriptors.GetDescriptor, d.GetDescriptorRequest(name=name)).descriptor
    assert got == created

    listed = admin.call(admin.descriptors.ListDescriptors, d.ListDescriptorsRequest(limit=1000))
    assert name in [x.name for x in listed.descriptors]
    assert listed.total_size >= 1

    updated = admin.call(
        admin.descriptors.UpdateDescriptor,
        d.UpdateDescriptorRequest(
            descriptor=d.Descriptor(name=name, description="new", life_time=5),
            update_mask=field_mask_pb2.FieldMask(paths=["description"]),
        ),
    ).descriptor
    assert updated.description == "new" and updated.life_time == 259200000  # not in mask

    # No mask: every populated field changes.
    updated = admin.call(
        admin.descriptors.UpdateDescriptor,
        d.UpdateDescriptorRequest(descriptor=d.Descriptor(name=name, life_time=1000)),
    ).descriptor
    assert updated.life_time == 1000 and updated.description == "new"

    deleted = admin.call(admin.descriptors.DeleteDescriptor, d.DeleteDescriptorRequest(name=name)).descriptor
    assert deleted.deleted
    expect_error(
        grpc.StatusCode.NOT_FOUND, admin.call, admin.descriptors.GetDescriptor, d.GetDescriptorRequest(name=name)
    )
    again = admin.call(admin.descriptors.GetDescriptor, d.GetDescriptorRequest(name=name, show_deleted=True))
    assert again.descriptor.deleted
    listed = admin.call(admin.descriptors.ListDescriptors, d.ListDescriptorsRequest(limit=1000))
    assert name not in [x.name for x in listed.descriptors]
    listed = admin.call(admin.descriptors.ListDescriptors, d.ListDescriptorsRequest(limit=1000, show_deleted=True))
    assert name in [x.name for x in listed.descriptors]


def test_list_is_sorted_and_paged(admin):
    names = sorted(make_store(admin, name=f"zz-page-{i}-{unique()}") for i in range(3))
    listed = admin.call(admin.descriptors.ListDescriptors, d.ListDescriptorsRequest(limit=1000))
    all_names = [x.name for x in listed.descriptors]
    assert all_names == sorted(all_names)
    start = all_names.index(names[0])
    page = admin.call(admin.descriptors.ListDescriptors, d.ListDescriptorsRequest(limit=2, offset=start))
    assert [x.name for x in page.descriptors] == all_names[start : start + 2]
    assert page.total_size == listed.total_size


def test_default_page_is_25(admin):
    for _ in range(26):
        make_store(admin)
    page = admin.call(admin.descriptors.ListDescriptors, d.ListDescriptorsRequest())
    assert len(page.descriptors) == 25 and page.total_size >= 26


def test_duplicate_name_already_exists(admin, store):
    err = expect_error(grpc.StatusCode.ALREADY_EXISTS, create, admin, name=store, data_type=1, behaviour_type=1)
    assert error_info(err).reason == "STORE_EXISTS"


def test_deleted_name_cannot_be_reused(admin, store):
    admin.call(admin.descriptors.DeleteDescriptor, d.DeleteDescriptorRequest(name=store))
    err = expect_error(grpc.StatusCode.ALREADY_EXISTS, create, admin, name=store, data_type=1, behaviour_type=1)
    assert "deleted" in err.details()


def test_non_admin_cannot_manage(harness, store):
    alice = harness.as_user("alice")
    expect_error(grpc.StatusCode.PERMISSION_DENIED, create, alice, name=unique(), data_type=1, behaviour_type=1)
    expect_error(
        grpc.StatusCode.PERMISSION_DENIED,
        alice.call,
        alice.descriptors.UpdateDescriptor,
        d.UpdateDescriptorRequest(descriptor=d.Descriptor(name=store, description="x")),
    )
    expect_error(
        grpc.StatusCode.PERMISSION_DENIED,
        alice.call,
        alice.descriptors.DeleteDescriptor,
        d.DeleteDescriptorRequest(name=store),
    )
    # ...but may read descriptors.
    assert alice.call(alice.descriptors.GetDescriptor, d.GetDescriptorRequest(name=store)).descriptor.name == store


def test_create_validation_names_fields(admin):
    cases = [
        (dict(name="", data_type=1, behaviour_type=1), "descriptor.name"),
        (dict(name="x" * 129, data_type=1, behaviour_type=1), "descriptor.name"),
        (dict(name="bad name!", data_type=1, behaviour_type=1), "descriptor.name"),
        (dict(name=unique(), behaviour_type=1), "descriptor.data_type"),
        (dict(name=unique(), data_type=1), "descriptor.behaviour_type"),
        (dict(name=unique(), data_type=9, behaviour_type=1), "descriptor.data_type"),
        (dict(name=unique(), data_type=1, behaviour_type=7), "descriptor.behaviour_type"),
        (dict(name=unique(), data_type=1, behaviour_type=1, expire_data=True), "life_time"),
        (dict(name=unique(), data_type=1, behaviour_type=1, life_time=-1), "life_time"),
        (dict(name=unique(), data_type=1, behaviour_type=1, description="x" * 1025), "description"),
    ]
    before = admin.call(admin.descriptors.ListDescriptors, d.ListDescriptorsRequest(show_deleted=True)).total_size
    for fields, field in cases:
        err = expect_error(grpc.StatusCode.INVALID_ARGUMENT, create, admin, **fields)
        assert field in violations(err), (fields, violations(err))
    after = admin.call(admin.descriptors.ListDescriptors, d.ListDescriptorsRequest(show_deleted=True)).total_size
    assert before == after, "invalid creates must not write anything"


def test_update_rejects_immutable_and_unknown(admin, store):
    for path in ("data_type", "behaviour_type", "name"):
        err = expect_error(
            grpc.StatusCode.INVALID_ARGUMENT,
            admin.call,
            admin.descriptors.UpdateDescriptor,
            d.UpdateDescriptorRequest(
                descriptor=d.Descriptor(name=store, data_type=2, behaviour_type=2),
                update_mask=field_mask_pb2.FieldMask(paths=[path]),
            ),
        )
        assert f"update_mask.{path}" in violations(err)
    err = expect_error(
        grpc.StatusCode.INVALID_ARGUMENT,
        admin.call,
        admin.descriptors.UpdateDescriptor,
        d.UpdateDescriptorRequest(
            descriptor=d.Descriptor(name=store), update_mask=field_mask_pb2.FieldMask(paths=["nope"])
        ),
    )
    assert "update_mask.nope" in violations(err)
    err = expect_error(
        grpc.StatusCode.INVALID_ARGUMENT,
        admin.call,
        admin.descriptors.UpdateDescriptor,
        d.UpdateDescriptorRequest(descriptor=d.Descriptor(name=store, expire_data=True)),
    )
    assert "life_time" in violations(err)
    got = admin.call(admin.descriptors.GetDescriptor, d.GetDescriptorRequest(name=store)).descriptor
    assert not got.expire_data


def test_update_and_delete_missing_store(admin):
    expect_error(
        grpc.StatusCode.NOT_FOUND,
        admin.call,
        admin.descriptors.UpdateDescriptor,
        d.UpdateDescriptorRequest(descriptor=d.Descriptor(name="no-such-store", description="x")),
    )
    expect_error(
        grpc.StatusCode.NOT_FOUND,
        admin.call,
        admin.descriptors.DeleteDescriptor,
        d.DeleteDescriptorRequest(name="no-such-store"),
    )


def test_negative_paging_rejected(admin):
    err = expect_error(
        grpc.StatusCode.INVALID_ARGUMENT,
        admin.call,
        admin.descriptors.ListDescriptors,
        d.ListDescriptorsRequest(limit=-1),
    )
    assert violations(err) == ["limit"]
    err = expect_error(
        grpc.StatusCode.INVALID_ARGUMENT,
        admin.call,
        admin.descriptors.ListDescriptors,
        d.ListDescriptorsRequest(offset=-3),
    )
    assert violations(err) == ["offset"]
