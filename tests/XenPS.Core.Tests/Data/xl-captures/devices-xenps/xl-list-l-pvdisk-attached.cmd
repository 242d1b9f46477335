xl list -l pvdisk
