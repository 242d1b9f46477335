zfs clone -o volmode=dev -o xenps:copy=0123456789abcdef0123456789abcdef zroot/cap-disk0@ck2 zroot/capclone-disk0
