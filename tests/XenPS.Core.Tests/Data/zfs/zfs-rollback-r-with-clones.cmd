zfs rollback -r zroot/cap-disk0@ck1
