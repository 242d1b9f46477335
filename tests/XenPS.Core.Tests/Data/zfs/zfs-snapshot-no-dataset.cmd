zfs snapshot zroot/nosuch@ck1
