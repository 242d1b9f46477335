xl -N create sechvm.cfg
