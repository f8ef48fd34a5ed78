// Command csi-provisioner-standin is TEST TOOLING, not part of the product: a stand-in for Kubernetes'
// csi-provisioner and csi-resizer sidecars, whose Go modules the module proxy used by this project does
// not serve. It drives a CSI driver's Controller service over its unix socket the way csi-provisioner v5
// does, built on the library csi-provisioner is built on (sigs.k8s.io/sig-storage-lib-external-provisioner/v13,
// its ProvisionController watches PVCs, PVs and StorageClasses and calls this program's Provisioner),
// and runs a small loop standing in for csi-resizer (ControllerExpandVolume when a bound PVC's request
// grows). The product is the CSI driver `pulumi-glusterfs csi`; this program exists so tests can watch a
// real kube-apiserver and kube-controller-manager provision, expand and delete through it.
//
// Logs go to stderr (klog), one line per CSI call a test can read:
//
//	CreateVolume pvc-<uid>: OK (1234 ms)
//	CreateVolume pvc-<uid>: FAILED InvalidArgument (12 ms): <message>
//	DeleteVolume pvc-<uid> (<volume id>): OK (56 ms)
//	ControllerExpandVolume pvc-<uid>: OK (789 ms)
//
// Deliberately left out (csi-provisioner has them): leader election, topology (accessibility
// requirements, CSIStorageCapacity), volumes from snapshots or clones, VolumeAttributesClass, the
// deprecated un-prefixed secret parameters, metrics, in-tree migration.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"github.com/kubernetes-csi/csi-lib-utils/rpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"sigs.k8s.io/sig-storage-lib-external-provisioner/v13/controller"
)

const banner = `csi-provisioner-standin: TEST TOOLING ONLY (pulumi-glusterfs), not for production use.
A stand-in for Kubernetes' csi-provisioner and csi-resizer sidecars: it watches PVCs through the API
server and calls a CSI driver's Controller service (CreateVolume, DeleteVolume, ControllerExpandVolume)
over its unix socket as csi-provisioner v5 does, on sig-storage-lib-external-provisioner v13.
Use the real sidecars in a real cluster.

Usage: csi-provisioner-standin --kubeconfig FILE --csi-address SOCKET [flags]
`

func main() {
	klog.InitFlags(nil)
	var (
		kubeconfig          = flag.String("kubeconfig", "", "the kubeconfig of the API server (required; no in-cluster config)")
		csiAddress          = flag.String("csi-address", "", "the CSI driver's unix socket: a path or unix:///path (required)")
		driverName          = flag.String("driver-name", "", "the provisioner name to serve (default: the driver's GetPluginInfo name)")
		volumeNamePrefix    = flag.String("volume-name-prefix", "pvc", "prefix of the CSI volume name (and PV name): <prefix>-<PVC UID>")
		volumeNameUUIDLen   = flag.Int("volume-name-uuid-length", -1, "truncate the PVC UID in the volume name to this many characters (-1: whole UID)")
		extraCreateMetadata = flag.Bool("extra-create-metadata", false, "add csi.storage.k8s.io/pvc/name, pvc/namespace and pv/name to CreateVolume's parameters")
		defaultFSType       = flag.String("default-fstype", "", "fs_type when the StorageClass has no csi.storage.k8s.io/fstype (default: empty, the driver's choice)")
		timeout             = flag.Duration("timeout", 5*time.Minute, "timeout of each CSI call")
		resync              = flag.Duration("resync", 15*time.Minute, "informer resync period")
		retryStart          = flag.Duration("retry-interval-start", time.Second, "first retry delay of a failed provision or delete (doubles each failure)")
		retryMax            = flag.Duration("retry-interval-max", 5*time.Minute, "longest retry delay of a failed provision, delete or expansion")
		workers             = flag.Int("worker-threads", 10, "concurrent provision/delete workers")
		resizer             = flag.Bool("resizer", true, "also run the csi-resizer stand-in (ControllerExpandVolume)")
	)
	flag.Usage = func() {
		fmt.Fprint(flag.CommandLine.Output(), banner+"\nFlags:\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *kubeconfig == "" || *csiAddress == "" {
		flag.Usage()
		fmt.Fprintln(os.Stderr, "\n--kubeconfig and --csi-address are required")
		os.Exit(2)
	}
	klog.Info("csi-provisioner-standin: TEST TOOLING (a stand-in for csi-provisioner and csi-resizer), not for production")

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, options{
		kubeconfig: *kubeconfig, csiAddress: *csiAddress, driverName: *driverName, prefix: *volumeNamePrefix, uuidLength: *volumeNameUUIDLen,
		extraMetadata: *extraCreateMetadata, defaultFSType: *defaultFSType, timeout: *timeout, resync: *resync,
		retryStart: *retryStart, retryMax: *retryMax, workers: *workers, resizer: *resizer,
	}); err != nil {
		klog.Errorf("csi-provisioner-standin: %v", err)
		klog.Flush()
		os.Exit(1)
	}
	klog.Info("csi-provisioner-standin: stopped")
	klog.Flush()
}

type options struct {
	kubeconfig, csiAddress, driverName, prefix, defaultFSType string
	uuidLength, workers                                       int
	extraMetadata, resizer                                    bool
	timeout, resync, retryStart, retryMax                     time.Duration
}

func run(ctx context.Context, o options) error {
	cfg, err := clientcmd.BuildConfigFromFlags("", o.kubeconfig)
	if err != nil {
		return fmt.Errorf("kubeconfig %s: %w", o.kubeconfig, err)
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	if _, err := client.Discovery().ServerVersion(); err != nil {
		return fmt.Errorf("the API server of %s does not answer: %w", o.kubeconfig, err)
	}

	target := o.csiAddress
	if !strings.HasPrefix(target, "unix:") {
		target = "unix://" + target
	}
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fmt.Errorf("CSI endpoint %s: %w", o.csiAddress, err)
	}
	defer conn.Close()

	// as csi-provisioner: wait for Probe to say ready, then learn the name and the capabilities
	if err := rpc.ProbeForever(ctx, conn, o.timeout); err != nil {
		return err
	}
	call := func() (context.Context, context.CancelFunc) { return context.WithTimeout(ctx, o.timeout) }
	c1, cancel := call()
	name, err := rpc.GetDriverName(c1, conn)
	cancel()
	if err != nil {
		return fmt.Errorf("GetPluginInfo: %w", err)
	}
	if o.driverName == "" {
		o.driverName = name
	} else if o.driverName != name {
		klog.Warningf("--driver-name %s differs from the driver's GetPluginInfo name %s: serving %s", o.driverName, name, o.driverName)
	}
	c2, cancel := call()
	pluginCaps, err := rpc.GetPluginCapabilities(c2, conn)
	cancel()
	if err != nil {
		return fmt.Errorf("GetPluginCapabilities: %w", err)
	}
	if !pluginCaps[csi.PluginCapability_Service_CONTROLLER_SERVICE] {
		return fmt.Errorf("driver %s has no CONTROLLER_SERVICE", name)
	}
	if pluginCaps[csi.PluginCapability_Service_VOLUME_ACCESSIBILITY_CONSTRAINTS] {
		klog.Warningf("driver %s has VOLUME_ACCESSIBILITY_CONSTRAINTS: this stand-in sends no accessibility requirements (csi-provisioner would)", name)
	}
	c3, cancel := call()
	ctrlCaps, err := rpc.GetControllerCapabilities(c3, conn)
	cancel()
	if err != nil {
		return fmt.Errorf("ControllerGetCapabilities: %w", err)
	}
	if !ctrlCaps[csi.ControllerServiceCapability_RPC_CREATE_DELETE_VOLUME] {
		return fmt.Errorf("driver %s has no CREATE_DELETE_VOLUME controller capability", name)
	}
	snmw := ctrlCaps[csi.ControllerServiceCapability_RPC_SINGLE_NODE_MULTI_WRITER]
	klog.Infof("driver %s ready on %s (controller capabilities: %s)", name, o.csiAddress, capNames(ctrlCaps))

	p := &csiProvisioner{
		client: client, csi: csi.NewControllerClient(conn), driverName: o.driverName, prefix: o.prefix, uuidLength: o.uuidLength,
		extraMetadata: o.extraMetadata, defaultFSType: o.defaultFSType, timeout: o.timeout, singleNodeMultiWriter: snmw,
	}
	// csi-provisioner's options for the library (cmd/csi-provisioner): unlimited retries with its own
	// backoff, PVs saved in the background, the deletion finalizer (HonorPVReclaimPolicy); leader
	// election off (csi-provisioner does its own; this stand-in runs once).
	pc := controller.NewProvisionController(ctx, client, o.driverName, p,
		controller.LeaderElection(false),
		controller.FailedProvisionThreshold(0),
		controller.FailedDeleteThreshold(0),
		controller.RateLimiter(workqueue.NewTypedItemExponentialFailureRateLimiter[string](o.retryStart, o.retryMax)),
		controller.Threadiness(o.workers),
		controller.CreateProvisionedPVLimiter(workqueue.DefaultTypedControllerRateLimiter[string]()),
		controller.RetryIntervalMax(o.retryMax),
		controller.ResyncPeriod(o.resync),
		controller.AddFinalizer(true),
		controller.VolumeName(p.volumeName),
	)

	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); pc.Run(ctx) }()
	if o.resizer {
		if !ctrlCaps[csi.ControllerServiceCapability_RPC_EXPAND_VOLUME] {
			klog.Warningf("driver %s has no EXPAND_VOLUME controller capability: the csi-resizer stand-in does not run", name)
		} else {
			r := newResizer(client, csi.NewControllerClient(conn), o.driverName, o.timeout, o.resync, o.retryStart, o.retryMax, snmw)
			wg.Add(1)
			go func() { defer wg.Done(); r.run(ctx) }()
		}
	}
	klog.Infof("serving provisioner %s (csi-provisioner stand-in%s)", o.driverName, map[bool]string{true: " and csi-resizer stand-in", false: ""}[o.resizer && ctrlCaps[csi.ControllerServiceCapability_RPC_EXPAND_VOLUME]])
	<-ctx.Done()
	wg.Wait()
	return nil
}

func capNames(s rpc.ControllerCapabilitySet) string {
	var names []string
	for c, ok := range s {
		if ok {
			names = append(names, c.String())
		}
	}
	if len(names) == 0 {
		return "none"
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}
