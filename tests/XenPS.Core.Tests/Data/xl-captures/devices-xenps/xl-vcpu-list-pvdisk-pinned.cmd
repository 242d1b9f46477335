xl vcpu-pin pvdisk 0 0 all; xl vcpu-list pvdisk
