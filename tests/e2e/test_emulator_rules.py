"""AWS rules moto 5.2.5 skips, taught to the emulator (emulator_server.py), replayed through boto3.

Each is a rule a module change once met only on AWS: a security group's
inbound rule quota with a prefix list counted at its max_entries
(count_prefix_list_rules), and log group names that start with aws/
(refuse_reserved_log_group_names). docs/emulator.md lists them.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.e2e


@pytest.fixture
def group(emulator):
    """A fresh emulator with a VPC and a security group in it: (ec2 client, vpc id, group id)."""
    emulator.reset()
    ec2 = emulator.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.65.0.0/16")["Vpc"]["VpcId"]
    group_id = ec2.create_security_group(GroupName="quota", Description="quota", VpcId=vpc_id)["GroupId"]
    return ec2, vpc_id, group_id


def allow(ec2, group_id: str, port: int, **source) -> None:
    ec2.authorize_security_group_ingress(
        GroupId=group_id, IpPermissions=[{"IpProtocol": "tcp", "FromPort": port, "ToPort": port, **source}]
    )


def test_a_prefix_list_counts_as_its_max_entries_against_the_inbound_quota(group):
    """60 inbound rules a group by default (Amazon VPC quotas); a prefix list rule counts max_entries."""
    ec2, _, group_id = group
    prefix_list = ec2.create_managed_prefix_list(PrefixListName="wide", AddressFamily="IPv4", MaxEntries=20)
    list_id = prefix_list["PrefixList"]["PrefixListId"]
    for port in (8001, 8002):  # 40 of the 60
        allow(ec2, group_id, port, PrefixListIds=[{"PrefixListId": list_id}])
    for port in range(8003, 8023):  # 20 more CIDR rules: 60
        allow(ec2, group_id, port, IpRanges=[{"CidrIp": "10.65.0.0/16"}])
    with pytest.raises(ClientError) as refused:
        allow(ec2, group_id, 8023, IpRanges=[{"CidrIp": "10.65.0.0/16"}])
    assert refused.value.response["Error"]["Code"] == "RulesPerSecurityGroupLimitExceeded"
    # The quota counts IPv6 rules apart: the IPv4 one is full, IPv6 is not.
    allow(ec2, group_id, 8024, Ipv6Ranges=[{"CidrIpv6": "2001:db8::/32"}])


def test_a_third_prefix_list_rule_over_the_quota_is_refused(group):
    ec2, _, group_id = group
    prefix_list = ec2.create_managed_prefix_list(PrefixListName="wide", AddressFamily="IPv4", MaxEntries=25)
    list_id = prefix_list["PrefixList"]["PrefixListId"]
    allow(ec2, group_id, 8001, PrefixListIds=[{"PrefixListId": list_id}])
    allow(ec2, group_id, 8002, PrefixListIds=[{"PrefixListId": list_id}])
    with pytest.raises(ClientError, match="RulesPerSecurityGroupLimitExceeded"):
        allow(ec2, group_id, 8003, PrefixListIds=[{"PrefixListId": list_id}])


def test_a_log_group_name_starting_with_aws_slash_is_refused(emulator):
    """CreateLogGroup: "Log group names can't start with the string aws/"."""
    logs = emulator.client("logs")
    with pytest.raises(ClientError) as refused:
        logs.create_log_group(logGroupName="aws/finfocus")
    assert refused.value.response["Error"]["Code"] == "InvalidParameterException"
    assert "aws/" in refused.value.response["Error"]["Message"]
    logs.create_log_group(logGroupName="/aws/finfocus-is-fine")  # only the very start is reserved
