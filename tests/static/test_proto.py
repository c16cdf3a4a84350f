"""The generated protobuf and Connect code is what `make proto` makes of the .proto today."""

from __future__ import annotations

from finfocus_ecs.proto.generate import generated_files, stale


def test_generated_code_matches_the_proto():
    assert generated_files(), "nothing generated: run `make proto`"
    assert stale() == [], "run `make proto`: the generated code differs from proto/**/*.proto"


def test_the_shipped_health_proto_is_grpcs(tmp_path):
    """grpc/health/v1/health.proto, shipped for grpcurl, declares what grpcio-health-checking's code does."""
    from google.protobuf import descriptor_pb2
    from grpc_health.v1 import health_pb2
    from grpc_tools import protoc

    from finfocus_ecs.proto.generate import PROTO_ROOT

    described = tmp_path / "health.pb"
    assert (
        protoc.main(["protoc", f"-I{PROTO_ROOT}", f"--descriptor_set_out={described}", "grpc/health/v1/health.proto"])
        == 0
    )
    [shipped] = descriptor_pb2.FileDescriptorSet.FromString(described.read_bytes()).file
    reference = descriptor_pb2.FileDescriptorProto()
    health_pb2.DESCRIPTOR.CopyToProto(reference)
    assert shipped.package == reference.package

    def fields(message) -> list[tuple]:
        return [(field.name, field.number, field.type, field.type_name) for field in message.field]

    def methods(service) -> set[tuple]:
        return {(m.name, m.input_type, m.output_type, m.server_streaming) for m in service.method}

    references = {message.name: message for message in reference.message_type}
    for message in shipped.message_type:
        assert fields(message) == fields(references[message.name]), message.name
        assert list(message.enum_type) == list(references[message.name].enum_type)
    assert methods(shipped.service[0]) <= methods(reference.service[0]), "Check and Watch, as gRPC declares them"
