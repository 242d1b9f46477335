xl network-list pvdisk
