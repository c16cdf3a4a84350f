from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GrowthType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GROWTH_TYPE_UNSPECIFIED: _ClassVar[GrowthType]
    GROWTH_TYPE_NONE: _ClassVar[GrowthType]
    GROWTH_TYPE_LINEAR: _ClassVar[GrowthType]
    GROWTH_TYPE_EXPONENTIAL: _ClassVar[GrowthType]
GROWTH_TYPE_UNSPECIFIED: GrowthType
GROWTH_TYPE_NONE: GrowthType
GROWTH_TYPE_LINEAR: GrowthType
GROWTH_TYPE_EXPONENTIAL: GrowthType

class ResourceDescriptor(_message.Message):
    __slots__ = ("provider", "resource_type", "sku", "region", "tags", "id")
    class TagsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_TYPE_FIELD_NUMBER: _ClassVar[int]
    SKU_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    provider: str
    resource_type: str
    sku: str
    region: str
    tags: _containers.ScalarMap[str, str]
    id: str
    def __init__(self, provider: _Optional[str] = ..., resource_type: _Optional[str] = ..., sku: _Optional[str] = ..., region: _Optional[str] = ..., tags: _Optional[_Mapping[str, str]] = ..., id: _Optional[str] = ...) -> None: ...

class NameRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class NameResponse(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class SupportsRequest(_message.Message):
    __slots__ = ("resource",)
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    resource: ResourceDescriptor
    def __init__(self, resource: _Optional[_Union[ResourceDescriptor, _Mapping]] = ...) -> None: ...

class SupportsResponse(_message.Message):
    __slots__ = ("supported", "reason")
    SUPPORTED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    supported: bool
    reason: str
    def __init__(self, supported: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class GetProjectedCostRequest(_message.Message):
    __slots__ = ("resource", "utilization_percentage")
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    UTILIZATION_PERCENTAGE_FIELD_NUMBER: _ClassVar[int]
    resource: ResourceDescriptor
    utilization_percentage: float
    def __init__(self, resource: _Optional[_Union[ResourceDescriptor, _Mapping]] = ..., utilization_percentage: _Optional[float] = ...) -> None: ...

class GetProjectedCostResponse(_message.Message):
    __slots__ = ("unit_price", "currency", "cost_per_month", "billing_detail", "growth_type", "metadata")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    UNIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    COST_PER_MONTH_FIELD_NUMBER: _ClassVar[int]
    BILLING_DETAIL_FIELD_NUMBER: _ClassVar[int]
    GROWTH_TYPE_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    unit_price: float
    currency: str
    cost_per_month: float
    billing_detail: str
    growth_type: GrowthType
    metadata: _containers.ScalarMap[str, str]
    def __init__(self, unit_price: _Optional[float] = ..., currency: _Optional[str] = ..., cost_per_month: _Optional[float] = ..., billing_detail: _Optional[str] = ..., growth_type: _Optional[_Union[GrowthType, str]] = ..., metadata: _Optional[_Mapping[str, str]] = ...) -> None: ...

class GetPricingSpecRequest(_message.Message):
    __slots__ = ("resource",)
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    resource: ResourceDescriptor
    def __init__(self, resource: _Optional[_Union[ResourceDescriptor, _Mapping]] = ...) -> None: ...

class GetPricingSpecResponse(_message.Message):
    __slots__ = ("spec",)
    SPEC_FIELD_NUMBER: _ClassVar[int]
    spec: PricingSpec
    def __init__(self, spec: _Optional[_Union[PricingSpec, _Mapping]] = ...) -> None: ...

class PricingSpec(_message.Message):
    __slots__ = ("provider", "resource_type", "sku", "region", "billing_mode", "rate_per_unit", "currency", "description", "source", "unit")
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_TYPE_FIELD_NUMBER: _ClassVar[int]
    SKU_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    BILLING_MODE_FIELD_NUMBER: _ClassVar[int]
    RATE_PER_UNIT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    provider: str
    resource_type: str
    sku: str
    region: str
    billing_mode: str
    rate_per_unit: float
    currency: str
    description: str
    source: str
    unit: str
    def __init__(self, provider: _Optional[str] = ..., resource_type: _Optional[str] = ..., sku: _Optional[str] = ..., region: _Optional[str] = ..., billing_mode: _Optional[str] = ..., rate_per_unit: _Optional[float] = ..., currency: _Optional[str] = ..., description: _Optional[str] = ..., source: _Optional[str] = ..., unit: _Optional[str] = ...) -> None: ...

class GetPluginInfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetPluginInfoResponse(_message.Message):
    __slots__ = ("name", "version", "spec_version", "providers", "metadata")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    SPEC_VERSION_FIELD_NUMBER: _ClassVar[int]
    PROVIDERS_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: str
    spec_version: str
    providers: _containers.RepeatedScalarFieldContainer[str]
    metadata: _containers.ScalarMap[str, str]
    def __init__(self, name: _Optional[str] = ..., version: _Optional[str] = ..., spec_version: _Optional[str] = ..., providers: _Optional[_Iterable[str]] = ..., metadata: _Optional[_Mapping[str, str]] = ...) -> None: ...
