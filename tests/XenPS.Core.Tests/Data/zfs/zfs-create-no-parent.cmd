zfs create -V1G -o volmode=dev zroot/no/parent
