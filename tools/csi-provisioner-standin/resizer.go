// The csi-resizer STAND-IN (TEST TOOLING): when a bound PVC of this driver asks for more than its status
// capacity, ControllerExpandVolume, then the PV's capacity, then the PVC's status, following csi-resizer's
// controller flow (with RecoverVolumeExpansionFailure: allocatedResources and allocatedResourceStatuses).
// Not handled: node expansion (a driver answering node_expansion_required leaves the claim with
// FileSystemResizePending for a kubelet), shrinking after a failed expansion, VolumeAttributesClass.
package main

import (
	"context"
	"fmt"
	"time"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"github.com/kubernetes-csi/csi-lib-utils/accessmodes"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/retry"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
)

type resizer struct {
	client                kubernetes.Interface
	csi                   csi.ControllerClient
	driverName            string
	timeout               time.Duration
	singleNodeMultiWriter bool
	factory               informers.SharedInformerFactory
	claims                corelisters.PersistentVolumeClaimLister
	volumes               corelisters.PersistentVolumeLister
	queue                 workqueue.TypedRateLimitingInterface[string]
	events                record.EventRecorder
}

func newResizer(client kubernetes.Interface, c csi.ControllerClient, driverName string, timeout, resync, retryStart, retryMax time.Duration, snmw bool) *resizer {
	factory := informers.NewSharedInformerFactory(client, resync)
	broadcaster := record.NewBroadcaster()
	broadcaster.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: client.CoreV1().Events(v1.NamespaceAll)})
	r := &resizer{
		client: client, csi: c, driverName: driverName, timeout: timeout, singleNodeMultiWriter: snmw, factory: factory,
		claims:  factory.Core().V1().PersistentVolumeClaims().Lister(),
		volumes: factory.Core().V1().PersistentVolumes().Lister(),
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.NewTypedItemExponentialFailureRateLimiter[string](retryStart, retryMax),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "resizer"}),
		events: broadcaster.NewRecorder(scheme.Scheme, v1.EventSource{Component: "external-resizer " + driverName}),
	}
	enqueue := func(obj any) {
		if key, err := cache.MetaNamespaceKeyFunc(obj); err == nil {
			r.queue.Add(key)
		}
	}
	factory.Core().V1().PersistentVolumeClaims().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: enqueue, UpdateFunc: func(_, n any) { enqueue(n) },
	})
	return r
}

func (r *resizer) run(ctx context.Context) {
	defer r.queue.ShutDown()
	r.factory.Start(ctx.Done())
	for typ, ok := range r.factory.WaitForCacheSync(ctx.Done()) {
		if !ok {
			klog.Errorf("resizer: cache of %v did not sync", typ)
			return
		}
	}
	klog.Infof("csi-resizer stand-in for %s started", r.driverName)
	go wait.UntilWithContext(ctx, func(ctx context.Context) {
		for r.next(ctx) {
		}
	}, time.Second)
	<-ctx.Done()
}

func (r *resizer) next(ctx context.Context) bool {
	key, quit := r.queue.Get()
	if quit {
		return false
	}
	defer r.queue.Done(key)
	if err := r.sync(ctx, key); err != nil {
		klog.Errorf("resizer: claim %s: %v (retry %d)", key, err, r.queue.NumRequeues(key)+1)
		r.queue.AddRateLimited(key)
	} else {
		r.queue.Forget(key)
	}
	return true
}

func storageOf(l v1.ResourceList) resource.Quantity { return l[v1.ResourceStorage] }

func (r *resizer) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	pvc, err := r.claims.PersistentVolumeClaims(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	if pvc.Status.Phase != v1.ClaimBound || pvc.Spec.VolumeName == "" {
		return nil
	}
	want, have := storageOf(pvc.Spec.Resources.Requests), storageOf(pvc.Status.Capacity)
	if want.Cmp(have) <= 0 {
		return nil
	}
	pv, err := r.volumes.Get(pvc.Spec.VolumeName)
	if err != nil {
		return fmt.Errorf("its PV %s: %w", pvc.Spec.VolumeName, err)
	}
	if pv.Spec.CSI == nil || pv.Spec.CSI.Driver != r.driverName {
		return nil
	}

	var newSize resource.Quantity
	nodeExpansion := false
	if pvSize := storageOf(pv.Spec.Capacity); pvSize.Cmp(want) >= 0 {
		// the controller side is done already (an earlier pass stopped before the claim's status)
		newSize = pvSize
		klog.Infof("ControllerExpandVolume %s: not needed, the PV has %s", pv.Name, pvSize.String())
	} else {
		if pvc, err = r.markInProgress(ctx, pvc, want); err != nil {
			return err
		}
		bytes, nodeExp, err := r.expand(ctx, pv, want.Value())
		if err != nil {
			r.events.Eventf(pvc, v1.EventTypeWarning, "VolumeResizeFailed", "resize volume %q by resizer %q failed: %v", pv.Name, r.driverName, err)
			if infeasible(err) {
				r.setAllocatedStatus(ctx, pvc, v1.PersistentVolumeClaimControllerResizeInfeasible)
			}
			return err
		}
		newSize, nodeExpansion = *resource.NewQuantity(bytes, resource.BinarySI), nodeExp
		if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			cur, err := r.client.CoreV1().PersistentVolumes().Get(ctx, pv.Name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			cur.Spec.Capacity[v1.ResourceStorage] = newSize
			_, err = r.client.CoreV1().PersistentVolumes().Update(ctx, cur, metav1.UpdateOptions{})
			return err
		}); err != nil {
			return fmt.Errorf("updating PV %s's capacity to %s: %w", pv.Name, newSize.String(), err)
		}
	}
	if nodeExpansion {
		return r.updateStatus(ctx, pvc, func(s *v1.PersistentVolumeClaimStatus) {
			setCondition(s, v1.PersistentVolumeClaimFileSystemResizePending, "Waiting for user to (re-)start a pod to finish file system resize of volume on node.")
			setAllocated(s, v1.PersistentVolumeClaimNodeResizePending)
		}, "FileSystemResizeRequired", "Require file system resize of volume on node")
	}
	return r.updateStatus(ctx, pvc, func(s *v1.PersistentVolumeClaimStatus) {
		s.Capacity = v1.ResourceList{v1.ResourceStorage: newSize}
		s.Conditions = dropConditions(s.Conditions, v1.PersistentVolumeClaimResizing, v1.PersistentVolumeClaimFileSystemResizePending)
		delete(s.AllocatedResourceStatuses, v1.ResourceStorage)
		if len(s.AllocatedResourceStatuses) == 0 {
			s.AllocatedResourceStatuses = nil
		}
	}, "VolumeResizeSuccessful", "Resize volume succeeded")
}

// infeasible: csi-resizer's final errors (the driver will never do this expansion as asked)
func infeasible(err error) bool {
	st, ok := status.FromError(err)
	if !ok {
		return false
	}
	switch st.Code() {
	case codes.InvalidArgument, codes.OutOfRange, codes.NotFound:
		return true
	}
	return false
}

// volumeCapability: csi-resizer's, from the PV (one capability: the PV's access modes together).
func (r *resizer) volumeCapability(pv *v1.PersistentVolume) (*csi.VolumeCapability, error) {
	mode, err := accessmodes.ToCSIAccessMode(pv.Spec.AccessModes, r.singleNodeMultiWriter)
	if err != nil {
		return nil, err
	}
	c := &csi.VolumeCapability{AccessMode: &csi.VolumeCapability_AccessMode{Mode: mode}}
	if isBlock(pv.Spec.VolumeMode) {
		c.AccessType = &csi.VolumeCapability_Block{Block: &csi.VolumeCapability_BlockVolume{}}
	} else {
		c.AccessType = &csi.VolumeCapability_Mount{Mount: &csi.VolumeCapability_MountVolume{FsType: pv.Spec.CSI.FSType, MountFlags: pv.Spec.MountOptions}}
	}
	return c, nil
}

func (r *resizer) expand(ctx context.Context, pv *v1.PersistentVolume, bytes int64) (int64, bool, error) {
	vc, err := r.volumeCapability(pv)
	if err != nil {
		return 0, false, err
	}
	secrets, err := credentials(ctx, r.client, pv.Spec.CSI.ControllerExpandSecretRef)
	if err != nil {
		return 0, false, err
	}
	cctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	t0 := time.Now()
	rep, err := r.csi.ControllerExpandVolume(cctx, &csi.ControllerExpandVolumeRequest{
		VolumeId: pv.Spec.CSI.VolumeHandle, CapacityRange: &csi.CapacityRange{RequiredBytes: bytes}, Secrets: secrets, VolumeCapability: vc,
	})
	logCall("ControllerExpandVolume", pv.Name, t0, err)
	if err != nil {
		return 0, false, err
	}
	got := rep.CapacityBytes
	if got == 0 {
		got = bytes
	}
	klog.Infof("ControllerExpandVolume %s: %d bytes, node_expansion_required %v", pv.Name, got, rep.NodeExpansionRequired)
	return got, rep.NodeExpansionRequired, nil
}

func setCondition(s *v1.PersistentVolumeClaimStatus, t v1.PersistentVolumeClaimConditionType, msg string) {
	s.Conditions = dropConditions(s.Conditions, t)
	s.Conditions = append(s.Conditions, v1.PersistentVolumeClaimCondition{Type: t, Status: v1.ConditionTrue, LastTransitionTime: metav1.Now(), Message: msg})
}

func dropConditions(cs []v1.PersistentVolumeClaimCondition, types ...v1.PersistentVolumeClaimConditionType) []v1.PersistentVolumeClaimCondition {
	var out []v1.PersistentVolumeClaimCondition
	for _, c := range cs {
		drop := false
		for _, t := range types {
			drop = drop || c.Type == t
		}
		if !drop {
			out = append(out, c)
		}
	}
	return out
}

func setAllocated(s *v1.PersistentVolumeClaimStatus, st v1.ClaimResourceStatus) {
	if s.AllocatedResourceStatuses == nil {
		s.AllocatedResourceStatuses = map[v1.ResourceName]v1.ClaimResourceStatus{}
	}
	s.AllocatedResourceStatuses[v1.ResourceStorage] = st
}

// markInProgress: condition Resizing, allocatedResources = the request, ControllerResizeInProgress.
func (r *resizer) markInProgress(ctx context.Context, pvc *v1.PersistentVolumeClaim, want resource.Quantity) (*v1.PersistentVolumeClaim, error) {
	var out *v1.PersistentVolumeClaim
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur, err := r.client.CoreV1().PersistentVolumeClaims(pvc.Namespace).Get(ctx, pvc.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		setCondition(&cur.Status, v1.PersistentVolumeClaimResizing, "")
		setAllocated(&cur.Status, v1.PersistentVolumeClaimControllerResizeInProgress)
		if cur.Status.AllocatedResources == nil {
			cur.Status.AllocatedResources = v1.ResourceList{}
		}
		cur.Status.AllocatedResources[v1.ResourceStorage] = want
		out, err = r.client.CoreV1().PersistentVolumeClaims(pvc.Namespace).UpdateStatus(ctx, cur, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("marking the claim as resizing: %w", err)
	}
	r.events.Eventf(out, v1.EventTypeNormal, "Resizing", "External resizer is resizing volume %s", pvc.Spec.VolumeName)
	return out, nil
}

func (r *resizer) setAllocatedStatus(ctx context.Context, pvc *v1.PersistentVolumeClaim, st v1.ClaimResourceStatus) {
	if err := r.updateStatus(ctx, pvc, func(s *v1.PersistentVolumeClaimStatus) { setAllocated(s, st) }, "", ""); err != nil {
		klog.Errorf("resizer: claim %s/%s: setting %s: %v", pvc.Namespace, pvc.Name, st, err)
	}
}

func (r *resizer) updateStatus(ctx context.Context, pvc *v1.PersistentVolumeClaim, change func(*v1.PersistentVolumeClaimStatus), reason, msg string) error {
	var out *v1.PersistentVolumeClaim
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur, err := r.client.CoreV1().PersistentVolumeClaims(pvc.Namespace).Get(ctx, pvc.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		change(&cur.Status)
		out, err = r.client.CoreV1().PersistentVolumeClaims(pvc.Namespace).UpdateStatus(ctx, cur, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		return fmt.Errorf("updating the claim's status: %w", err)
	}
	if reason != "" {
		r.events.Event(out, v1.EventTypeNormal, reason, msg)
		klog.Infof("claim %s/%s: %s (capacity %s)", pvc.Namespace, pvc.Name, reason, func() string { q := storageOf(out.Status.Capacity); return q.String() }())
	}
	return nil
}
