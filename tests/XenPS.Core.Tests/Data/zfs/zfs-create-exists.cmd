zfs create -V1G -o volmode=dev zroot/cap-disk0
