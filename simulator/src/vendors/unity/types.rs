//! Type metadata: the attributes of every resource type served here, for `GET /api/types/<type>`
//! (storops reads it to learn which fields to ask for, and turns a 404 there into a silently
//! empty object) and for checking `fields=` and `filter=` names.

use serde::Serialize;
use serde_json::{Map, Value};

/// One resource type: its name, whether it has instances, and its attributes
/// (name, type, description).
pub struct TypeDef {
    pub name: &'static str,
    pub description: &'static str,
    pub has_instances: bool,
    pub attributes: &'static [(&'static str, &'static str, &'static str)],
}

const SESSION_ATTRS: &[(&str, &str, &str)] = &[
    ("id", "String", "Unique identifier for the upgrade session instance."),
    ("type", "UpgradeSessionTypeEnum", "Type of software to upgrade."),
    ("candidate", "candidateSoftwareVersion", "Candidate software to install in the upgrade session, as defined by the candidateSoftwareVersion resource type."),
    ("caption", "String", "Caption for this upgrade session."),
    ("status", "UpgradeStatusEnum", "Status of the current upgrade session."),
    ("messages", "List<upgradeMessage>", "List of upgrade messages."),
    ("creationTime", "DateTime", "Date and time when the upgrade session was started."),
    ("elapsedTime", "DateTime[Interval]", "Amount of time for which the upgrade session was running."),
    ("percentComplete", "Integer", "Percentage of the upgrade that is completed."),
    ("tasks", "List<upgradeTask>", "Current upgrade activity in the upgrade session, as defined by the upgradeTask resource type."),
];

pub const TYPES: &[TypeDef] = &[
    TypeDef {
        name: "basicSystemInfo",
        description: "Basic information about the storage system, available without logging in.",
        has_instances: true,
        attributes: &[
            ("id", "String", "Unique identifier of the basicSystemInfo instance. "),
            ("model", "String", "Model name of this storage system. This value comes from the model attribute of the system resource. "),
            ("name", "String", "Name of this storage system. This value comes from the name attribute of the system resource. "),
            ("softwareVersion", "String", "Software version of this storage system. This value comes from the version attribute of the installedSoftwareVersion resource. "),
            ("softwareFullVersion", "String", "Full software version of this storage system. "),
            ("apiVersion", "String", "Latest version of the REST API that this storage system supports. "),
            ("earliestApiVersion", "String", "Earliest version of the REST API that this storage system supports. "),
        ],
    },
    TypeDef {
        name: "system",
        description: "Information about general settings for the storage system.",
        has_instances: true,
        attributes: &[
            ("instanceId", "String", "Internal identifier of the system instance. "),
            ("id", "String", "Unique identifier of the system instance. "),
            ("operationalStatus", "List<CRUOpStatusEnum>", "Operational statuses for the system. "),
            ("health", "health", "Health information for the system, as defined by the health resource type. "),
            ("name", "String", "System name. "),
            ("model", "String", "System model name. "),
            ("serialNumber", "String", "System product serial number. "),
            ("licenseType", "LicenseTypeEnum", "Type of the installed license file. "),
            ("internalModel", "String", "Internal model name for the system. "),
            ("platform", "String", "Hardware platform for the system. "),
            ("macAddress", "String", "MAC address of the management interface. "),
            ("isEULAAccepted", "Boolean", "Indicates whether the End User License Agreement (EULA) was accepted for an upgrade. "),
            ("isUpgradeComplete", "Boolean", "Indicates whether an upgrade completed. Operations that change the configuration of the system are not allowed while an upgrade is in progress. "),
            ("isAutoFailbackEnabled", "Boolean", "Indicates whether the automatic failback of NAS servers is enabled for the system. "),
            ("currentPower", "Integer", "Current amount of power used by the system. "),
            ("avgPower", "Integer", "Average amount of power used by the system. "),
        ],
    },
    TypeDef {
        name: "installedSoftwareVersion",
        description: "Information about the installed system software.",
        has_instances: true,
        attributes: &[
            ("id", "String", "Unique identifier of the installedSoftwareVersion instance. "),
            ("version", "String", "Version of the installed software. "),
            ("revision", "Integer", "Revision of the installed software. "),
            ("releaseDate", "DateTime", "Release date of the installed software. "),
            ("fullVersion", "String", "Full version of the installed software. "),
        ],
    },
    TypeDef {
        name: "candidateSoftwareVersion",
        description: "Information about an upgrade candidate uploaded to the storage system.",
        has_instances: true,
        attributes: &[
            ("id", "String", "Unique identifier of the candidateSoftwareVersion instance. "),
            ("version", "String", "Version of the candidate software. "),
            ("fullVersion", "String", "Full version of the candidate software. "),
            ("revision", "Integer", "Revision of the candidate software. "),
            ("releaseDate", "DateTime", "Release date of the candidate software. "),
            ("type", "UpgradeTypeEnum", "Type of the candidate software. "),
            ("rebootRequired", "Boolean", "Whether installing the candidate reboots the storage processors. "),
            ("canPauseBeforeReboot", "Boolean", "Whether an upgrade to this candidate can pause before the first reboot. "),
        ],
    },
    TypeDef {
        name: "softwareUpgradeSession",
        description: "Information about a storage system upgrade session.",
        has_instances: true,
        attributes: SESSION_ATTRS,
    },
    TypeDef {
        name: "upgradeSession",
        description: "Information about a storage system upgrade session.",
        has_instances: true,
        attributes: SESSION_ATTRS,
    },
    TypeDef {
        name: "upgradeTask",
        description: "An activity of an upgrade session (embedded).",
        has_instances: false,
        attributes: &[
            ("caption", "String", "Caption for this task."),
            ("creationTime", "DateTime", "Date and time when the upgrade task was started."),
            ("status", "UpgradeStatusEnum", "Current status of the upgrade activity."),
            ("type", "UpgradeSessionTypeEnum", "Upgrade session type."),
            ("estRemainTime", "DateTime[Interval]", "Estimated time remaining for the upgrade task."),
        ],
    },
    TypeDef {
        name: "upgradeMessage",
        description: "A message occurrence (embedded).",
        has_instances: false,
        attributes: &[
            ("errorCode", "String", "Error code for this message."),
            ("messages", "List<localizedMessage>", "List of localized messages."),
            ("severity", "SeverityEnum", "Severity level associated with this message."),
            ("httpStatus", "Integer", "HTTP status code for this message."),
        ],
    },
    TypeDef {
        name: "job",
        description: "Information about a job (an asynchronous request).",
        has_instances: true,
        attributes: &[
            ("instanceId", "String", "Internal identifier of the job instance. "),
            ("id", "String", "Unique identifier of the job instance. "),
            ("description", "String", "Job description. "),
            ("state", "JobStateEnum", "Current state of the job. "),
            ("stateChangeTime", "DateTime", "Date and time of the last state change for the job. "),
            ("submitTime", "DateTime", "Date and time when the job was submitted. "),
            ("startTime", "DateTime", "Date and time when the job started. "),
            ("endTime", "DateTime", "Date and time when the job ended. "),
            ("elapsedTime", "DateTime", "Amount of time for which the job has been running. "),
            ("estRemainTime", "DateTime", "Estimated time remaining until the job completes. "),
            ("progressPct", "Integer", "Approximate percentage of the job that has completed. "),
            ("tasks", "List<jobTask>", "Set of tasks within the job, as defined by the jobTask object. "),
            ("owner", "String", "Owning provider of the job. "),
            ("requestId", "String", "Request ID for the job, provided by the client in the ?requestId request parameter. "),
            ("methodName", "String", "Name of the method that the job is calling. "),
            ("parametersOut", "Object", "Output parameters of the job's method. "),
            ("messageOut", "message", "Message returned by the job's method. "),
            ("isJobCancelable", "Boolean", "Whether the job can be cancelled. "),
            ("isJobCancelled", "Boolean", "Whether the job was cancelled. "),
            ("clientData", "String", "Client data attached to the job. "),
            ("statusCodeOut", "Integer", "Status code returned by the job's method. "),
        ],
    },
    TypeDef {
        name: "loginSessionInfo",
        description: "Information about the current login session.",
        has_instances: true,
        attributes: &[
            ("id", "String", "Unique identifier of the login session (the user name). "),
            ("domain", "String", "Domain of the logged-in user. "),
            ("user", "user", "The logged-in user. "),
            ("roles", "List<role>", "Roles of the logged-in user. "),
            ("idleTimeout", "Integer", "Seconds of inactivity after which the session ends. "),
            ("isPasswordChangeRequired", "Boolean", "Whether the user must change the password. "),
        ],
    },
    TypeDef {
        name: "user",
        description: "Information about a local user.",
        has_instances: true,
        attributes: &[
            ("id", "String", "Unique identifier of the user instance. "),
            ("name", "String", "User name. "),
            ("role", "role", "Role of the user. "),
        ],
    },
    TypeDef {
        name: "storageProcessor",
        description: "Information about the storage processors (SPs) in the storage system.",
        has_instances: true,
        attributes: &[
            ("instanceId", "String", "Internal identifier of the storageProcessor instance. "),
            ("id", "String", "Unique identifier of the storageProcessor instance. "),
            ("parent", "resourceRef", "Resource type and unique identifier for the SP's parent enclosure. "),
            ("health", "health", "Health information for the SP, as defined by the health resource type. "),
            ("operationalStatus", "List<StorageProcessorStatusEnum>", "Operational statuses for the SP. "),
            ("needsReplacement", "Boolean", "Indicates whether the SP needs replacement. "),
            ("isRescueMode", "Boolean", "Indicates whether the SP is in Service Mode. "),
            ("model", "String", "Manufacturer's model number for the SP. "),
            ("slotNumber", "Integer", "Slot where the SP is located in the parent enclosure. "),
            ("name", "String", "SP name. "),
            ("emcPartNumber", "String", "EMC part number for the SP. "),
            ("emcSerialNumber", "String", "EMC serial number for the SP. "),
            ("manufacturer", "String", "Manufacturer of the SP. "),
            ("vendorPartNumber", "String", "Vendor part number for the SP. "),
            ("vendorSerialNumber", "String", "Vendor serial number for the SP. "),
            ("sasExpanderVersion", "String", "Version number of the SAS Expander associated with the SP. "),
            ("biosFirmwareRevision", "String", "Version number of the SP BIOS. "),
            ("postFirmwareRevision", "String", "Version number of the SP Power-On Self-Test software. "),
            ("memorySize", "Integer", "SP RAM size. "),
            ("parentDpe", "dpe", "Parent Disk Processor Enclosure (DPE) of the storage processor. "),
        ],
    },
    TypeDef {
        name: "alert",
        description: "Information about alerts generated by the storage system.",
        has_instances: true,
        attributes: &[
            ("instanceId", "String", "Internal identifier of the alert instance. "),
            ("id", "String", "Unique identifier of the alert instance. "),
            ("component", "resourceRef", "System component that caused the alert. "),
            ("resolutionId", "String", "Unique identifier of the help topic for the alert. "),
            ("componentFacility", "String", "Component facility name. "),
            ("timestamp", "DateTime", "Date and time when the alert event occurred, in Greenwich Mean Time (GMT). "),
            ("descriptionId", "String", "Description identifier for the alert in the message catalog. "),
            ("message", "String", "Localized alert message. "),
            ("catalogId", "String", "Catalog ID by which the alert message can be looked up. "),
            ("isAcknowledged", "Boolean", "Indicates whether the alert is acknowledged. "),
            ("resolution", "String", "URI that points to a Help topic containing resolution information for the alert. "),
            ("severity", "SeverityEnum", "Severity level of the alert. "),
            ("description", "String", "Localized description of the alert condition. "),
            ("arguments", "List<String>", "List of arguments used with the messageId to construct the alert message. "),
            ("messageId", "String", "Message identifier for the alert in the message catalog. "),
        ],
    },
    TypeDef {
        name: "systemTime",
        description: "Current system time.",
        has_instances: true,
        attributes: &[
            ("instanceId", "String", "Internal identifier of the user instance. "),
            ("id", "String", "Unique identifier of the systemTime instance. "),
            ("time", "DateTime", "Current system time. "),
            ("rebootPrivilege", "RebootPrivilegeEnum", "Indicates whether to reboot the system after modifying the system time. "),
        ],
    },
    TypeDef {
        name: "pool",
        description: "Information about the storage pools in the storage system.",
        has_instances: true,
        attributes: &[
            ("instanceId", "String", "Internal identifier of the pool instance. "),
            ("id", "String", "Unique identifier of the pool instance. "),
            ("objectId", "Integer", "Unique object ID of SYSAPI::MLUPool object. "),
            ("health", "health", "Health information for the pool, as defined by the health resource type. "),
            ("name", "String", "Pool name. "),
            ("operationalStatus", "List<PoolOpStatusEnum>", "Operational statuses for the pool. "),
            ("description", "String", "Pool description. "),
            ("raidType", "RaidTypeEnum", "RAID type with which the pool is configured. "),
            ("sizeFree", "Integer", "Amount of free space available in the pool. "),
            ("sizeTotal", "Integer", "Total amount of space (used space plus free space) in the pool. "),
            ("sizeUsed", "Integer", "Amount of space used by the pool's associated storage resources. "),
            ("sizeSubscribed", "Integer", "Amount of space requested by the pool's associated storage resources. "),
            ("alertThreshold", "Integer", "Threshold at which the system generates notifications about the amount of space remaining in the …"),
            ("isFASTCacheEnabled", "Boolean", "(Applies if FAST Cache is supported on the system and the corresponding license is installed.) …"),
            ("creationTime", "DateTime", "Date and time when the pool was created. "),
            ("isEmpty", "Boolean", "Indicates whether the pool is unused; that is, whether it has no storage resources provisioned from it. "),
            ("isHarvestEnabled", "Boolean", "Indicates whether the automatic deletion of snapshots through pool harvesting is enabled for the pool. "),
            ("harvestState", "UsageHarvestStateEnum", "Current state of pool space harvesting. "),
            ("isSnapHarvestEnabled", "Boolean", "Indicates whether the automatic deletion of snapshots through snapshot harvesting is enabled for the pool. "),
            ("type", "StoragePoolTypeEnum", "Indicates type of this pool. "),
            ("isAllFlash", "Boolean", "Indicates whether this pool contains only Flash drives. "),
        ],
    },
    TypeDef {
        name: "license",
        description: "Information about licenses on the storage system.",
        has_instances: true,
        attributes: &[
            ("isValid", "Boolean", "Indicates whether the license is currently valid. "),
            ("version", "String", "License version. "),
            ("expires", "DateTime", "Date and time when the license will expire. "),
            ("issued", "DateTime", "Date and time when the license became available. "),
            ("feature", "feature", "Name of the feature that the license enables. "),
            ("isInstalled", "Boolean", "Indicates whether the license is installed or not. "),
            ("id", "String", "Unique identifier of the license instance. "),
            ("name", "String", "License name. "),
            ("isPermanent", "Boolean", "Indicates whether the license is permanent. "),
        ],
    },
    TypeDef {
        name: "feature",
        description: "Information about features on the storage system.",
        has_instances: true,
        attributes: &[
            ("reason", "FeatureReasonEnum", "Reason for the feature to be in a state other than enabled. "),
            ("name", "String", "Feature name. "),
            ("id", "String", "Unique identifier of the feature instance. "),
            ("license", "license", "License that enables the feature, as defined by the license resource type. "),
            ("state", "FeatureStateEnum", "State of the feature. "),
        ],
    },
    TypeDef {
        name: "mgmtInterface",
        description: "Information about management interfaces in the storage system.",
        has_instances: true,
        attributes: &[
            ("instanceId", "String", "Internal identifier of the mgmtInterface instance. "),
            ("id", "String", "Unique identifier of the mgmtInterface instance. "),
            ("ethernetPort", "ethernetPort", "Ethernet port on the storage processor on which the interface is running. "),
            ("ipAddress", "IPAddress", "IPv4 or IPv6 address for the interface. "),
            ("protocolVersion", "IpProtocolVersionEnum", "IP protocol version (IPv4 or IPv6). "),
            ("gateway", "IPAddress", "Gateway IP address. "),
            ("v6PrefixLength", "Integer", "IPv6 prefix length for the interface, if the interface uses an IPv6 address. "),
            ("netmask", "IPAddress", "IPv4 netmask for the interface, if the interface uses an IPv4 address. "),
            ("configMode", "InterfaceConfigModeEnum", "Configuration mode. "),
        ],
    },
    TypeDef {
        name: "systemCapacity",
        description: "Capacity data for all pools collected for the storage system.",
        has_instances: true,
        attributes: &[
            ("compressionPercent", "Integer", "Compression enabled increase of storage space expressed as percentage of summary of used and …"),
            ("sizeUsed", "Integer", "Amount of used space in the pools on the storage system. "),
            ("compressionRatio", "Float", "Storage efficiency ratio of compressed data on the system, calculated according to the Compression …"),
            ("instanceId", "String", "Internal identifier of the systemCapacity instance. "),
            ("sizeFree", "Integer", "Amount of free space available in the pools on the storage system. "),
            ("sizeSubscribed", "Integer", "Size of space requested by the storage resources allocated in all pools for possible future allocations. "),
            ("id", "String", "Unique identifier of the systemCapacity instance. "),
            ("sizeTotal", "Integer", "Total amount of space (used space plus free space) in the pools on the storage system. "),
            ("tiers", "List<systemTierCapacity>", "Size information (total, free, used) per tier. "),
            ("compressionSizeSaved", "Integer", "Amount of space saved by compression in the pools on the storage system. "),
            ("dataReductionSizeSaved", "Integer", "Amount of space saved by data reduction (includes savings from compression and deduplication) in …"),
            ("dataReductionRatio", "Float", "Storage efficiency ratio of applying data reduction on the system, calculated according to the data …"),
            ("dataReductionPercent", "Integer", "Data reduction applied increase of storage space expressed as percentage of summary of used and …"),
        ],
    },
    TypeDef {
        name: "ethernetPort",
        description: "Information about Ethernet ports in the storage system.",
        has_instances: true,
        attributes: &[
            ("instanceId", "String", "Internal identifier of the Ethernet port instance. "),
            ("id", "String", "Unique identifier of the Ethernet port instance. "),
            ("operationalStatus", "List<EthernetPortStatusEnum>", "Current operational status information for the Ethernet port. "),
            ("health", "health", "Health information for the Ethernet port, as defined by the health resource type. "),
            ("storageProcessor", "storageProcessor", "SP on which the Ethernet port directly or indirectly resides, as defined by the storageProcessor …"),
            ("needsReplacement", "Boolean", "Indicates whether the Ethernet port needs replacement. Values are: true - Ethernet port needs …"),
            ("name", "String", "User-specified Ethernet port name. "),
            ("portNumber", "Integer", "Physical Ethernet port sequence number. "),
            ("speed", "EPSpeedValuesEnum", "Current link speed of the Ethernet port. "),
            ("mtu", "Integer", "Maximum Transmission Unit (MTU) packet size that the Ethernet port can transmit. The default is …"),
            ("connectorType", "ConnectorTypeEnum", "Physical connector type. "),
            ("bond", "Boolean", "Indicates whether the Ethernet port is used in a link aggregation. Values are: true - Ethernet …"),
            ("isLinkUp", "Boolean", "Indicates whether the Ethernet port has link. (Applies if the Ethernet port is configured with a …"),
            ("macAddress", "String", "MAC address of the Ethernet port. "),
            ("isRSSCapable", "Boolean", "Indicates whether the Ethernet port supports Receive Side Scaling (RSS). Values are: true - …"),
            ("isRDMACapable", "Boolean", "Indicates whether the Ethernet port supports Remote Direct Memory Access (RDMA). Values are: …"),
            ("requestedSpeed", "EPSpeedValuesEnum", "Link speed requested by the user. "),
            ("parentIOModule", "ioModule", "(Applies if the Ethernet port resides on an I/O module.) Parent I/O module of the Ethernet port, …"),
            ("parentStorageProcessor", "storageProcessor", "(Applies if the Ethernet port resides directly on an SP.) Parent SP of the Ethernet port, as …"),
            ("supportedSpeeds", "List<EPSpeedValuesEnum>", "Available speed values. "),
            ("requestedMtu", "Integer", "MTU size requested by the user. "),
            ("supportedMtus", "List<Integer>", "Available MTU sizes. "),
            ("shortName", "String", "Ethernet port short name. "),
            ("cascadeNames", "List<String>", "A list contains hierarchical component name of the port: port name, IO module name (if present), …"),
            ("linuxDeviceName", "String", "Name of the linux port device. "),
            ("parent", "resourceRef", "Resource type and identifier of the Ethernet port's parent enclosure, as defined by the …"),
            ("sfpSupportedSpeeds", "List<SFPSpeedValuesEnum>", "SFP (the small form-factor pluggable) supported speeds of the Ethernet port. "),
            ("sfpSupportedProtocols", "List<SFPProtocolValuesEnum>", "SFP (the small form-factor pluggable) supported protocols of the Ethernet port. "),
        ],
    },
    TypeDef {
        name: "dpe",
        description: "Information about the Disk Processor Enclosure (DPE) of the storage system.",
        has_instances: true,
        attributes: &[
            ("instanceId", "String", "Internal identifier of the dpe instance. "),
            ("id", "String", "Unique identifier of the dpe instance. "),
            ("operationalStatus", "List<DpeStatusEnum>", "Current operational statuses of the DPE. "),
            ("health", "health", "Health information for the DPE, as defined by the health resource type. "),
            ("needsReplacement", "Boolean", "Indicates whether the DPE needs replacement. Values are: true - DPE needs replacement. false - …"),
            ("parent", "resourceRef", "Resource type and unique identifier of the DPE's parent enclosure. "),
            ("slotNumber", "Integer", "The enclosure number or position where the DPE is located on the bus. "),
            ("name", "String", "DPE name. "),
            ("manufacturer", "String", "Manufacturer of the DPE. "),
            ("model", "String", "Manufacturer's model number for the DPE. "),
            ("emcPartNumber", "String", "EMC part number for the DPE. "),
            ("emcSerialNumber", "String", "EMC serial number for the DPE. "),
            ("vendorPartNumber", "String", "Vendor part number for the DPE. "),
            ("vendorSerialNumber", "String", "Vendor serial number for the DPE. "),
            ("enclosureType", "EnclosureTypeEnum", "DPE enclosure type. "),
            ("busId", "Integer", "Identifier of the SAS bus used by the DPE. "),
            ("driveTypes", "List<DiskTypeEnum>", "Disk type of the disks in the DPE. "),
            ("currentPower", "Integer", "Current amount of power used by the DPE. "),
            ("avgPower", "Integer", "Average amount of power used by the DPE. The system uses a one hour window of 30-second samples …"),
            ("maxPower", "Integer", "Maximum amout of power used by the DPE. The system uses a one hour window of 30-second samples …"),
            ("currentTemperature", "Integer", "Current temperature of the DPE. "),
            ("avgTemperature", "Integer", "Average temperature of the DPE. The system uses a one hour window of 30-second samples to …"),
            ("maxTemperature", "Integer", "Maximum temperature of the DPE. The system uses a one hour window of 30-second samples to …"),
            ("currentSpeed", "Integer", "Current speed of the DPE SAS disk connection. "),
            ("maxSpeed", "Integer", "Maximum speed of the DPE SAS disk connection. The system uses a one hour window of 30-second …"),
            ("parentSystem", "system", "Parent system of the Disk Processor Enclosure (DPE). "),
        ],
    },
];

/// The attributes a type's metadata advertises that no instance here renders, and why: the
/// one list of deliberate gaps (a test walks every type's metadata against its instances).
pub const NOT_RENDERED: &[(&str, &str, &str)] = &[
    (
        "systemTime",
        "rebootPrivilege",
        "an argument of systemTime's Modify; a real array does not return it on reads",
    ),
    (
        "mgmtInterface",
        "v6PrefixLength",
        "the one management interface is IPv4",
    ),
    (
        "ethernetPort",
        "parentIOModule",
        "every port served is on the SP itself (parentStorageProcessor), none on an I/O module",
    ),
];

/// Type metadata's `content`.
#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "UnityTypeMetadata")]
pub struct TypeMetadata {
    pub name: &'static str,
    pub description: &'static str,
    pub attributes: Vec<Attribute>,
}

/// One attribute in type metadata.
#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "UnityAttribute")]
#[serde(rename_all = "camelCase")]
pub struct Attribute {
    pub name: &'static str,
    /// The Unisphere type: `String`, `Integer`, an enum's name, `List<…>`, a resource type.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub description: &'static str,
    pub display_value: &'static str,
}

pub fn find(name: &str) -> Option<&'static TypeDef> {
    TYPES.iter().find(|t| t.name == name)
}

impl TypeDef {
    pub fn attribute_names(&self) -> Vec<&'static str> {
        self.attributes.iter().map(|(n, _, _)| *n).collect()
    }

    /// The body of `GET /api/types/<name>` (`content`), as the recordings show it.
    pub fn metadata(&self) -> Map<String, Value> {
        let attributes = self
            .attributes
            .iter()
            .map(|(n, t, d)| Attribute {
                name: n,
                kind: t,
                description: d,
                display_value: n,
            })
            .collect();
        let m = TypeMetadata {
            name: self.name,
            description: self.description,
            attributes,
        };
        match serde_json::to_value(m) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        }
    }
}
