"""The plugin's protobuf messages: the .proto we write and the code generated from it.

finfocus/v1/costsource.proto holds only what finfocus-ecs uses of
finfocus.v1.CostSourceService; costsource_pb2.py (google.protobuf messages)
and costsource_connect.py (connectrpc client and ASGI application) are
generated from it by `make proto` (generate.py) and never edited by hand.
"""
