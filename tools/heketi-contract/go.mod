// Pins for scripts/build-contract.sh: the contract program uses Heketi v10.3.0's own Go client
// (github.com/heketi/heketi/client/api/go-client and pkg/glusterfs/api, fetched as
// github.com/heketi/heketi v10.3.0+incompatible). The pins are those of tools/heketi-build/go.mod
// (glide.lock commits, see there), pruned by `go mod tidy` to what the client imports.
module local.invalid/heketi-contract

go 1.26

require github.com/heketi/heketi v10.3.0+incompatible

require (
	github.com/asaskevich/govalidator v0.0.0-20180720115003-f9ffefc3facf // indirect
	github.com/auth0/go-jwt-middleware v1.0.1 // indirect
	github.com/boltdb/bolt v1.3.1 // indirect
	github.com/davecgh/go-spew v1.1.1 // indirect
	github.com/form3tech-oss/jwt-go v3.2.2+incompatible // indirect
	github.com/go-ozzo/ozzo-validation v3.0.3-0.20170913164239-85dcd8368eba+incompatible // indirect
	github.com/gogo/protobuf v1.1.1 // indirect
	github.com/gorilla/mux v1.7.4 // indirect
	github.com/heketi/tests v0.0.0-20151005000721-f3775cbcefd6 // indirect
	github.com/lpabon/godbc v0.1.2-0.20140613165803-9577782540c1 // indirect
	github.com/pmezard/go-difflib v1.0.0 // indirect
	github.com/stretchr/testify v1.2.2 // indirect
	github.com/urfave/negroni v1.0.0 // indirect
	golang.org/x/sys v0.0.0-20190312061237-fead79001313 // indirect
	k8s.io/api v0.0.0-20190819141258-3544db3b9e44 // indirect
	k8s.io/apimachinery v0.0.0-20190817020851-f2f3a405f61d // indirect
	k8s.io/client-go v0.0.0-20190819141724-e14f31a72a77 // indirect
)
