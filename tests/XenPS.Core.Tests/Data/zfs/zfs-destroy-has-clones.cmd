zfs destroy zroot/cap-disk0@ck2
