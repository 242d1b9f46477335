zfs snapshot -o xenps:copy=0123456789abcdef0123456789abcdef zroot/cap-disk0@ck2 zroot/cap-disk1@ck2
