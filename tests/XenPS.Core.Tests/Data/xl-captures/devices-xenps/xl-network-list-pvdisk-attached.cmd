xl network-list pvdisk   # after network-attach mac=00:16:3e:77:00:09 bridge=bridge0
