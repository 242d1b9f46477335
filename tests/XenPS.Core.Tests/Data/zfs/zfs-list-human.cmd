zfs list -t all -r zroot
