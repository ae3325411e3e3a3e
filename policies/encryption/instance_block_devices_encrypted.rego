package edulibra.rules.instance_block_devices_encrypted

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-ENC-012",
	"title": "EC2 instances and launch configurations encrypt their EBS block devices",
	"severity": "high",
	"category": "encryption",
	"remediation": "Set encrypted = true in every root_block_device and ebs_block_device block of the aws_instance or aws_launch_configuration.",
	"references": ["CKV_AWS_8"],
	"attributes": ["root_block_device.encrypted", "root_block_device", "ebs_block_device.encrypted", "ebs_block_device"],
	"compliance": {"aws-fsbp": ["EC2.3"]},
	"description": "Root and data volumes created from an unencrypted configuration store the instance's data and credentials in clear text on disk and in snapshots.",
}

resource_types := {"aws_instance", "aws_launch_configuration"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

device_blocks := ["root_block_device", "ebs_block_device"]

# a device whose encrypted flag is known only after apply
pending_device(block, i) if {
	u := lib.unknowns(input.resource)[block]
	is_array(u)
	lib.obj(u[i]).encrypted == true
}

deny contains msg if {
	some block in device_blocks
	some i, dev in lib.blocks(input.resource, block)
	dev.encrypted != true
	not pending_device(block, i)
	not dev.snapshot_id
	msg := sprintf("%s has an unencrypted %s (%s[%d].encrypted is not true)", [input.resource.address, block, block, i])
}

deny contains msg if {
	count(lib.blocks(input.resource, "root_block_device")) == 0
	not lib.block_unknown(input.resource, "root_block_device")
	msg := sprintf("%s does not configure root_block_device with encrypted = true", [input.resource.address])
}

# An unknown ebs_block_device list only means "no extra devices configured" (the attribute is computed); an unknown
# root_block_device leaves the root volume's encryption to the AMI and the account default.
unknown contains msg if {
	count(lib.blocks(input.resource, "root_block_device")) == 0
	lib.block_unknown(input.resource, "root_block_device")
	msg := sprintf("%s: root_block_device is known only after apply (encryption follows the AMI and the account default)", [input.resource.address])
}

unknown contains msg if {
	some block in device_blocks
	some i, _ in lib.blocks(input.resource, block)
	pending_device(block, i)
	msg := sprintf("%s: %s[%d].encrypted is known only after apply", [input.resource.address, block, i])
}
