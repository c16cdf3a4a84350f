from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MetricKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    METRIC_KIND_UNSPECIFIED: _ClassVar[MetricKind]
    METRIC_KIND_CARBON_FOOTPRINT: _ClassVar[MetricKind]
    METRIC_KIND_ENERGY_CONSUMPTION: _ClassVar[MetricKind]
    METRIC_KIND_WATER_USAGE: _ClassVar[MetricKind]

class PluginCapability(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PLUGIN_CAPABILITY_UNSPECIFIED: _ClassVar[PluginCapability]
    PLUGIN_CAPABILITY_PROJECTED_COSTS: _ClassVar[PluginCapability]
    PLUGIN_CAPABILITY_ACTUAL_COSTS: _ClassVar[PluginCapability]
    PLUGIN_CAPABILITY_CARBON: _ClassVar[PluginCapability]
    PLUGIN_CAPABILITY_RECOMMENDATIONS: _ClassVar[PluginCapability]
    PLUGIN_CAPABILITY_DRY_RUN: _ClassVar[PluginCapability]
    PLUGIN_CAPABILITY_BUDGETS: _ClassVar[PluginCapability]
    PLUGIN_CAPABILITY_ENERGY: _ClassVar[PluginCapability]
    PLUGIN_CAPABILITY_WATER: _ClassVar[PluginCapability]
    PLUGIN_CAPABILITY_PRICING_SPEC: _ClassVar[PluginCapability]
    PLUGIN_CAPABILITY_ESTIMATE_COST: _ClassVar[PluginCapability]
    PLUGIN_CAPABILITY_DISMISS_RECOMMENDATIONS: _ClassVar[PluginCapability]
    PLUGIN_CAPABILITY_BATCH_COST: _ClassVar[PluginCapability]
    PLUGIN_CAPABILITY_RESOLVE_RESOURCE_TYPES: _ClassVar[PluginCapability]
    PLUGIN_CAPABILITY_USAGE_STATS: _ClassVar[PluginCapability]

class GrowthType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GROWTH_TYPE_UNSPECIFIED: _ClassVar[GrowthType]
    GROWTH_TYPE_NONE: _ClassVar[GrowthType]
    GROWTH_TYPE_LINEAR: _ClassVar[GrowthType]
    GROWTH_TYPE_EXPONENTIAL: _ClassVar[GrowthType]
METRIC_KIND_UNSPECIFIED: MetricKind
METRIC_KIND_CARBON_FOOTPRINT: MetricKind
METRIC_KIND_ENERGY_CONSUMPTION: MetricKind
METRIC_KIND_WATER_USAGE: MetricKind
PLUGIN_CAPABILITY_UNSPECIFIED: PluginCapability
PLUGIN_CAPABILITY_PROJECTED_COSTS: PluginCapability
PLUGIN_CAPABILITY_ACTUAL_COSTS: PluginCapability
PLUGIN_CAPABILITY_CARBON: PluginCapability
PLUGIN_CAPABILITY_RECOMMENDATIONS: PluginCapability
PLUGIN_CAPABILITY_DRY_RUN: PluginCapability
PLUGIN_CAPABILITY_BUDGETS: PluginCapability
PLUGIN_CAPABILITY_ENERGY: PluginCapability
PLUGIN_CAPABILITY_WATER: PluginCapability
PLUGIN_CAPABILITY_PRICING_SPEC: PluginCapability
PLUGIN_CAPABILITY_ESTIMATE_COST: PluginCapability
PLUGIN_CAPABILITY_DISMISS_RECOMMENDATIONS: PluginCapability
PLUGIN_CAPABILITY_BATCH_COST: PluginCapability
PLUGIN_CAPABILITY_RESOLVE_RESOURCE_TYPES: PluginCapability
PLUGIN_CAPABILITY_USAGE_STATS: PluginCapability
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
    __slots__ = ("supported", "reason", "capabilities", "supported_metrics", "capabilities_enum")
    class CapabilitiesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: bool
        def __init__(self, key: _Optional[str] = ..., value: _Optional[bool] = ...) -> None: ...
    SUPPORTED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CAPABILITIES_FIELD_NUMBER: _ClassVar[int]
    SUPPORTED_METRICS_FIELD_NUMBER: _ClassVar[int]
    CAPABILITIES_ENUM_FIELD_NUMBER: _ClassVar[int]
    supported: bool
    reason: str
    capabilities: _containers.ScalarMap[str, bool]
    supported_metrics: _containers.RepeatedScalarFieldContainer[MetricKind]
    capabilities_enum: _containers.RepeatedScalarFieldContainer[PluginCapability]
    def __init__(self, supported: _Optional[bool] = ..., reason: _Optional[str] = ..., capabilities: _Optional[_Mapping[str, bool]] = ..., supported_metrics: _Optional[_Iterable[_Union[MetricKind, str]]] = ..., capabilities_enum: _Optional[_Iterable[_Union[PluginCapability, str]]] = ...) -> None: ...

class GetProjectedCostRequest(_message.Message):
    __slots__ = ("resource", "utilization_percentage")
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    UTILIZATION_PERCENTAGE_FIELD_NUMBER: _ClassVar[int]
    resource: ResourceDescriptor
    utilization_percentage: float
    def __init__(self, resource: _Optional[_Union[ResourceDescriptor, _Mapping]] = ..., utilization_percentage: _Optional[float] = ...) -> None: ...

class ImpactMetric(_message.Message):
    __slots__ = ("kind", "value", "unit")
    KIND_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    kind: MetricKind
    value: float
    unit: str
    def __init__(self, kind: _Optional[_Union[MetricKind, str]] = ..., value: _Optional[float] = ..., unit: _Optional[str] = ...) -> None: ...

class GetProjectedCostResponse(_message.Message):
    __slots__ = ("unit_price", "currency", "cost_per_month", "billing_detail", "impact_metrics", "growth_type", "metadata", "cost_breakdown")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class CostBreakdownEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    UNIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    COST_PER_MONTH_FIELD_NUMBER: _ClassVar[int]
    BILLING_DETAIL_FIELD_NUMBER: _ClassVar[int]
    IMPACT_METRICS_FIELD_NUMBER: _ClassVar[int]
    GROWTH_TYPE_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    COST_BREAKDOWN_FIELD_NUMBER: _ClassVar[int]
    unit_price: float
    currency: str
    cost_per_month: float
    billing_detail: str
    impact_metrics: _containers.RepeatedCompositeFieldContainer[ImpactMetric]
    growth_type: GrowthType
    metadata: _containers.ScalarMap[str, str]
    cost_breakdown: _containers.ScalarMap[str, float]
    def __init__(self, unit_price: _Optional[float] = ..., currency: _Optional[str] = ..., cost_per_month: _Optional[float] = ..., billing_detail: _Optional[str] = ..., impact_metrics: _Optional[_Iterable[_Union[ImpactMetric, _Mapping]]] = ..., growth_type: _Optional[_Union[GrowthType, str]] = ..., metadata: _Optional[_Mapping[str, str]] = ..., cost_breakdown: _Optional[_Mapping[str, float]] = ...) -> None: ...

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
    __slots__ = ("provider", "resource_type", "sku", "region", "billing_mode", "rate_per_unit", "currency", "description", "source", "unit", "assumptions")
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
    ASSUMPTIONS_FIELD_NUMBER: _ClassVar[int]
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
    assumptions: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, provider: _Optional[str] = ..., resource_type: _Optional[str] = ..., sku: _Optional[str] = ..., region: _Optional[str] = ..., billing_mode: _Optional[str] = ..., rate_per_unit: _Optional[float] = ..., currency: _Optional[str] = ..., description: _Optional[str] = ..., source: _Optional[str] = ..., unit: _Optional[str] = ..., assumptions: _Optional[_Iterable[str]] = ...) -> None: ...

class GetPluginInfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetPluginInfoResponse(_message.Message):
    __slots__ = ("name", "version", "spec_version", "providers", "metadata", "capabilities")
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
    CAPABILITIES_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: str
    spec_version: str
    providers: _containers.RepeatedScalarFieldContainer[str]
    metadata: _containers.ScalarMap[str, str]
    capabilities: _containers.RepeatedScalarFieldContainer[PluginCapability]
    def __init__(self, name: _Optional[str] = ..., version: _Optional[str] = ..., spec_version: _Optional[str] = ..., providers: _Optional[_Iterable[str]] = ..., metadata: _Optional[_Mapping[str, str]] = ..., capabilities: _Optional[_Iterable[_Union[PluginCapability, str]]] = ...) -> None: ...
