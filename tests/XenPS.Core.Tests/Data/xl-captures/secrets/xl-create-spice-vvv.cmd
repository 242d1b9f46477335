xl -vvv create -p secspice.cfg
