// The KontextStore module; its code lands with the backbone issue.
