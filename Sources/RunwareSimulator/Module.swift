// The RunwareSimulator module; its code lands with the backbone issue.
