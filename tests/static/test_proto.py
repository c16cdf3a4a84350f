"""The generated protobuf and Connect code is what `make proto` makes of the .proto today."""

from __future__ import annotations

from finfocus_ecs.proto.generate import generated_files, stale


def test_generated_code_matches_the_proto():
    assert generated_files(), "nothing generated: run `make proto`"
    assert stale() == [], "run `make proto`: the generated code differs from proto/**/*.proto"
