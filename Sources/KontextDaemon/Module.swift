// The KontextDaemon module; its code lands with the backbone issue.
