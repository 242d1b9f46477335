zfs create -V1G -o volmode=dev nopool/x
