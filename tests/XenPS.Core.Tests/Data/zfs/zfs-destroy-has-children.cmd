zfs destroy zroot/cap-disk1
