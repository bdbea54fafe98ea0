module meshlet.test/netsim

go 1.22
