// The KontextNet module; its code lands with the backbone issue.
