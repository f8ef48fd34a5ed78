// Pins for scripts/build-heketi.sh: Heketi v10.3.0 (a pre-modules, glide-managed release, fetched
// as github.com/heketi/heketi v10.3.0+incompatible; the /v10 module path is not served).
// Every dependency is at the commit its glide.lock names (pseudo-versions resolved by the proxy),
// raised where MVS demands it by the go.mod of k8s.io/client-go (kubernetes-1.15.3: perks, gogo/protobuf,
// prometheus client_model/procfs, pflag, x/crypto, x/sys) or of go-jwt-middleware (gorilla/mux v1.7.4), except:
//   github.com/auth0/go-jwt-middleware v1.0.1 — glide.lock's commit 1c6db3ceac5f is not served;
//     v1.0.1 is the same jwt middleware on github.com/form3tech-oss/jwt-go v3.2.2, as heketi expects.
module local.invalid/heketi-build

go 1.26

require github.com/heketi/heketi v10.3.0+incompatible

require (
	github.com/asaskevich/govalidator v0.0.0-20180720115003-f9ffefc3facf // indirect
	github.com/auth0/go-jwt-middleware v1.0.1 // indirect
	github.com/beorn7/perks v0.0.0-20180321164747-3a771d992973 // indirect
	github.com/boltdb/bolt v1.3.1 // indirect
	github.com/davecgh/go-spew v1.1.1 // indirect
	github.com/docker/spdystream v0.0.0-20160310174837-449fdfce4d96 // indirect
	github.com/evanphx/json-patch v4.2.0+incompatible // indirect
	github.com/form3tech-oss/jwt-go v3.2.2+incompatible // indirect
	github.com/go-ozzo/ozzo-validation v3.0.3-0.20170913164239-85dcd8368eba+incompatible // indirect
	github.com/gogo/protobuf v1.1.1 // indirect
	github.com/golang/protobuf v1.2.0 // indirect
	github.com/google/gofuzz v0.0.0-20170612174753-24818f796faf // indirect
	github.com/googleapis/gnostic v0.0.0-20170729233727-0c5108395e2d // indirect
	github.com/gorilla/mux v1.7.4 // indirect
	github.com/heketi/tests v0.0.0-20151005000721-f3775cbcefd6 // indirect
	github.com/inconshreveable/mousetrap v1.0.0 // indirect
	github.com/json-iterator/go v0.0.0-20180701071628-ab8a2e0c74be // indirect
	github.com/lpabon/godbc v0.1.2-0.20140613165803-9577782540c1 // indirect
	github.com/matttproud/golang_protobuf_extensions v1.0.1 // indirect
	github.com/modern-go/concurrent v0.0.0-20180306012644-bacd9c7ef1dd // indirect
	github.com/modern-go/reflect2 v1.0.1 // indirect
	github.com/prometheus/client_golang v0.9.2 // indirect
	github.com/prometheus/client_model v0.0.0-20180712105110-5c3871d89910 // indirect
	github.com/prometheus/common v0.2.0 // indirect
	github.com/prometheus/procfs v0.0.0-20181204211112-1dc9a6cbc91a // indirect
	github.com/spf13/cobra v0.0.0-20170520172806-ca57f0f5dba4 // indirect
	github.com/spf13/pflag v1.0.1 // indirect
	github.com/urfave/negroni v1.0.0 // indirect
	golang.org/x/crypto v0.0.0-20190308221718-c2843e01d9a2 // indirect
	golang.org/x/net v0.0.0-20190812203447-cdfb69ac37fc // indirect
	golang.org/x/oauth2 v0.0.0-20190402181905-9f3314589c9a // indirect
	golang.org/x/sys v0.0.0-20190312061237-fead79001313 // indirect
	golang.org/x/text v0.3.1-0.20181227161524-e6919f6577db // indirect
	golang.org/x/time v0.0.0-20161028155119-f51c12702a4d // indirect
	google.golang.org/appengine v1.5.0 // indirect
	gopkg.in/inf.v0 v0.9.0 // indirect
	gopkg.in/yaml.v2 v2.2.1 // indirect
	k8s.io/api v0.0.0-20190819141258-3544db3b9e44 // indirect
	k8s.io/apimachinery v0.0.0-20190817020851-f2f3a405f61d // indirect
	k8s.io/client-go v0.0.0-20190819141724-e14f31a72a77 // indirect
	k8s.io/klog v0.3.1 // indirect
	k8s.io/utils v0.0.0-20190221042446-c2654d5206da // indirect
	sigs.k8s.io/yaml v1.1.0 // indirect
)
