module sealcheck.test/tokenservice

go 1.25.0
