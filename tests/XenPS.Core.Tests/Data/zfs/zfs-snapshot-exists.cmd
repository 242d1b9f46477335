zfs snapshot zroot/cap-disk0@ck1 zroot/cap-disk1@ck1
