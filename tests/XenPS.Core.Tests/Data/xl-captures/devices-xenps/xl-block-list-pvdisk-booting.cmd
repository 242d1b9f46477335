xl block-list pvdisk
