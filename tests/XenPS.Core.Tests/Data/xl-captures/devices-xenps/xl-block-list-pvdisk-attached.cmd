xl block-list pvdisk   # after block-attach xvdb (ro, /root/e.img)
