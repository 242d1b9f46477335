zfs rollback zroot/cap-disk0@ck1
