module github.com/sealcheck/sealcheck/bindings/go

// 1.21: runtime.Pinner (pinning signature/bundle bytes referenced from C memory).
go 1.21
