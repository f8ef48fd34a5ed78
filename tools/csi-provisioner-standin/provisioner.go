// The Provisioner (sig-storage-lib-external-provisioner's controller.Provisioner) of the csi-provisioner
// stand-in: TEST TOOLING. What it sends and what it writes follow csi-provisioner v5's
// pkg/controller/controller.go.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"github.com/kubernetes-csi/csi-lib-utils/accessmodes"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	v1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"
	"sigs.k8s.io/sig-storage-lib-external-provisioner/v13/controller"
)

const (
	csiParameterPrefix = "csi.storage.k8s.io/"
	prefixedFsTypeKey  = csiParameterPrefix + "fstype"

	// what --extra-create-metadata adds to CreateVolume's parameters
	pvcNameKey      = csiParameterPrefix + "pvc/name"
	pvcNamespaceKey = csiParameterPrefix + "pvc/namespace"
	pvNameKey       = csiParameterPrefix + "pv/name"

	// where Delete finds the secret Provision used
	annDeletionSecretName      = "volume.kubernetes.io/provisioner-deletion-secret-name"
	annDeletionSecretNamespace = "volume.kubernetes.io/provisioner-deletion-secret-namespace"

	// secret name/namespace templates
	tokenPVName       = "pv.name"
	tokenPVCName      = "pvc.name"
	tokenPVCNamespace = "pvc.namespace"
)

// secretParams names a kind of secret and its two StorageClass keys.
type secretParams struct{ kind, nameKey, namespaceKey string }

func secretKind(kind, prefix string) secretParams {
	return secretParams{kind, csiParameterPrefix + prefix + "-secret-name", csiParameterPrefix + prefix + "-secret-namespace"}
}

var (
	provisionerSecret       = secretKind("Provisioner", "provisioner")
	controllerPublishSecret = secretKind("ControllerPublish", "controller-publish")
	nodeStageSecret         = secretKind("NodeStage", "node-stage")
	nodePublishSecret       = secretKind("NodePublish", "node-publish")
	controllerExpandSecret  = secretKind("ControllerExpand", "controller-expand")
	nodeExpandSecret        = secretKind("NodeExpand", "node-expand")
	// csi.storage.k8s.io/secret-name/-namespace: the fallback of every kind
	defaultSecret = secretParams{"Default", csiParameterPrefix + "secret-name", csiParameterPrefix + "secret-namespace"}
)

// the csi.storage.k8s.io/ keys csi-provisioner knows (removed from CreateVolume's parameters); any other
// key with the prefix is refused
var knownPrefixedKeys = func() map[string]bool {
	m := map[string]bool{prefixedFsTypeKey: true}
	for _, s := range []secretParams{provisionerSecret, controllerPublishSecret, nodeStageSecret, nodePublishSecret, controllerExpandSecret, nodeExpandSecret, defaultSecret} {
		m[s.nameKey], m[s.namespaceKey] = true, true
	}
	return m
}()

type csiProvisioner struct {
	client                kubernetes.Interface
	csi                   csi.ControllerClient
	driverName            string
	prefix                string
	uuidLength            int
	extraMetadata         bool
	defaultFSType         string
	timeout               time.Duration
	singleNodeMultiWriter bool
}

var (
	_ controller.Provisioner      = (*csiProvisioner)(nil)
	_ controller.BlockProvisioner = (*csiProvisioner)(nil)
)

// SupportsBlock: as csi-provisioner, always; a driver that has no block volumes refuses them in CreateVolume.
func (p *csiProvisioner) SupportsBlock(context.Context) bool { return true }

// volumeName is the CSI volume name and the PV name: <prefix>-<PVC UID> (csi-provisioner's makeVolumeName).
func (p *csiProvisioner) volumeName(claim *v1.PersistentVolumeClaim) string {
	uid := string(claim.UID)
	if p.uuidLength >= 0 && p.uuidLength < len(uid) {
		uid = uid[:p.uuidLength]
	}
	return p.prefix + "-" + uid
}

// ms is how long since t, for the log lines tests read.
func ms(t time.Time) int64 { return time.Since(t).Milliseconds() }

// logCall writes the one line per CSI call: "<rpc> <what>: OK (n ms)" or "<rpc> <what>: FAILED <code> (n ms): <message>".
func logCall(rpcName, what string, t time.Time, err error) {
	if err == nil {
		klog.Infof("%s %s: OK (%d ms)", rpcName, what, ms(t))
		return
	}
	if st, ok := status.FromError(err); ok {
		klog.Errorf("%s %s: FAILED %s (%d ms): %s", rpcName, what, st.Code(), ms(t), st.Message())
	} else {
		klog.Errorf("%s %s: FAILED (%d ms): %v", rpcName, what, ms(t), err)
	}
}

// checkError is csi-provisioner's: whether a failed CreateVolume may still be running in the driver.
func checkError(err error, mayReschedule bool) controller.ProvisioningState {
	st, ok := status.FromError(err)
	if !ok {
		// not a gRPC error: the call may not have reached the driver, or a previous one may still run
		return controller.ProvisioningInBackground
	}
	switch st.Code() {
	case codes.ResourceExhausted:
		if mayReschedule {
			return controller.ProvisioningReschedule
		}
		return controller.ProvisioningFinished
	case codes.Canceled, codes.DeadlineExceeded, codes.Unavailable, codes.Aborted:
		return controller.ProvisioningInBackground
	}
	// INVALID_ARGUMENT, OUT_OF_RANGE, ALREADY_EXISTS, NOT_FOUND, FAILED_PRECONDITION, INTERNAL, ...: not in progress
	return controller.ProvisioningFinished
}

// fsTypeOf: csi.storage.k8s.io/fstype, or the deprecated fstype key, or --default-fstype.
func (p *csiProvisioner) fsTypeOf(params map[string]string) (string, error) {
	fsType, found := "", 0
	for k, v := range params {
		if strings.ToLower(k) == "fstype" || k == prefixedFsTypeKey {
			fsType = v
			found++
		}
		if strings.ToLower(k) == "fstype" {
			klog.Warningf("StorageClass parameter %q is deprecated: use %q", k, prefixedFsTypeKey)
		}
	}
	if found > 1 {
		return "", fmt.Errorf("fstype specified in parameters with both \"fstype\" and \"%s\" keys", prefixedFsTypeKey)
	}
	if fsType == "" {
		fsType = p.defaultFSType
	}
	return fsType, nil
}

// removePrefixedParameters drops the csi.storage.k8s.io/ keys csi-provisioner knows and refuses the rest.
func removePrefixedParameters(params map[string]string) (map[string]string, error) {
	out := map[string]string{}
	for k, v := range params {
		if strings.HasPrefix(k, csiParameterPrefix) {
			if !knownPrefixedKeys[k] {
				return nil, fmt.Errorf("found unknown parameter key %q with reserved namespace %s", k, csiParameterPrefix)
			}
			continue
		}
		out[k] = v
	}
	return out, nil
}

// volumeCapabilities: one per access mode of the claim (csi-lib-utils' mapping, as csi-provisioner
// uses it: with SINGLE_NODE_MULTI_WRITER, RWO is SINGLE_NODE_MULTI_WRITER and RWOP SINGLE_NODE_SINGLE_WRITER;
// without it both are SINGLE_NODE_WRITER), block or mount with the fs type and the class's mountOptions.
func (p *csiProvisioner) volumeCapabilities(claim *v1.PersistentVolumeClaim, sc *storagev1.StorageClass, fsType string) ([]*csi.VolumeCapability, error) {
	if len(claim.Spec.AccessModes) == 0 {
		return nil, errors.New("the claim has no access modes")
	}
	var caps []*csi.VolumeCapability
	for _, m := range claim.Spec.AccessModes {
		mode, err := accessmodes.ToCSIAccessMode([]v1.PersistentVolumeAccessMode{m}, p.singleNodeMultiWriter)
		if err != nil {
			return nil, err
		}
		c := &csi.VolumeCapability{AccessMode: &csi.VolumeCapability_AccessMode{Mode: mode}}
		if isBlock(claim.Spec.VolumeMode) {
			c.AccessType = &csi.VolumeCapability_Block{Block: &csi.VolumeCapability_BlockVolume{}}
		} else {
			c.AccessType = &csi.VolumeCapability_Mount{Mount: &csi.VolumeCapability_MountVolume{FsType: fsType, MountFlags: sc.MountOptions}}
		}
		caps = append(caps, c)
	}
	return caps, nil
}

func isBlock(m *v1.PersistentVolumeMode) bool { return m != nil && *m == v1.PersistentVolumeBlock }

// secretTemplates is csi-provisioner's verifyAndGetSecretNameAndNamespaceTemplate (without the deprecated
// un-prefixed keys): both keys or neither.
func secretTemplates(s secretParams, params map[string]string) (name, namespace string, err error) {
	name, hasName := params[s.nameKey]
	namespace, hasNamespace := params[s.namespaceKey]
	switch {
	case hasName != hasNamespace:
		return "", "", fmt.Errorf("either name and namespace for %s secrets specified, Both must be specified", s.kind)
	case hasName && (name == "" || namespace == ""):
		return "", "", fmt.Errorf("%s secrets specified in parameters but value of either namespace or name is empty", s.kind)
	}
	return name, namespace, nil
}

// resolveTemplate expands ${token}s; an unknown token is an error.
func resolveTemplate(template string, params map[string]string) (string, error) {
	var missing []string
	out := os.Expand(template, func(k string) string {
		v, ok := params[k]
		if !ok && !slices.Contains(missing, k) {
			missing = append(missing, k)
		}
		return v
	})
	if len(missing) > 0 {
		slices.Sort(missing)
		return "", fmt.Errorf("invalid tokens: %q", missing)
	}
	return out, nil
}

// secretReference is csi-provisioner's getSecretReference: the kind's keys (else the default keys),
// templates resolved. The namespace may use ${pv.name} and ${pvc.namespace}; the name also ${pvc.name}
// and ${pvc.annotations['<key>']} (claim annotations are given only for the kinds csi-provisioner gives them to).
func secretReference(s secretParams, params map[string]string, pvName string, claim *v1.PersistentVolumeClaim) (*v1.SecretReference, error) {
	nameT, nsT, err := secretTemplates(s, params)
	if err != nil {
		return nil, fmt.Errorf("failed to get name and namespace template from params: %w", err)
	}
	if nameT == "" && nsT == "" {
		if nameT, nsT, err = secretTemplates(defaultSecret, params); err != nil {
			return nil, fmt.Errorf("failed to get default name and namespace template from params: %w", err)
		}
	}
	if nameT == "" && nsT == "" {
		return nil, nil
	}
	nsParams := map[string]string{tokenPVName: pvName}
	nameParams := map[string]string{tokenPVName: pvName}
	if claim != nil {
		nsParams[tokenPVCNamespace] = claim.Namespace
		nameParams[tokenPVCName] = claim.Name
		nameParams[tokenPVCNamespace] = claim.Namespace
		for k, v := range claim.Annotations {
			nameParams["pvc.annotations['"+k+"']"] = v
		}
	}
	ns, err := resolveTemplate(nsT, nsParams)
	if err != nil {
		return nil, fmt.Errorf("error resolving value %q: %v", nsT, err)
	}
	if len(validation.IsDNS1123Label(ns)) > 0 {
		if ns != nsT {
			return nil, fmt.Errorf("%q resolved to %q which is not a valid namespace name", nsT, ns)
		}
		return nil, fmt.Errorf("%q is not a valid namespace name", nsT)
	}
	name, err := resolveTemplate(nameT, nameParams)
	if err != nil {
		return nil, fmt.Errorf("error resolving value %q: %v", nameT, err)
	}
	if len(validation.IsDNS1123Subdomain(name)) > 0 {
		if name != nameT {
			return nil, fmt.Errorf("%q resolved to %q which is not a valid secret name", nameT, name)
		}
		return nil, fmt.Errorf("%q is not a valid secret name", nameT)
	}
	return &v1.SecretReference{Name: name, Namespace: ns}, nil
}

// credentials reads a secret's data (nil ref: no secrets).
func credentials(ctx context.Context, client kubernetes.Interface, ref *v1.SecretReference) (map[string]string, error) {
	if ref == nil {
		return nil, nil
	}
	secret, err := client.CoreV1().Secrets(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("error getting secret %s in namespace %s: %v", ref.Name, ref.Namespace, err)
	}
	out := map[string]string{}
	for k, v := range secret.Data {
		out[k] = string(v)
	}
	return out, nil
}

// Provision: CreateVolume for the claim, and the PV that names the volume.
func (p *csiProvisioner) Provision(ctx context.Context, o controller.ProvisionOptions) (*v1.PersistentVolume, controller.ProvisioningState, error) {
	claim, sc := o.PVC, o.StorageClass
	if sc == nil {
		return nil, controller.ProvisioningFinished, errors.New("the claim has no StorageClass")
	}
	if sc.Provisioner != p.driverName {
		return nil, controller.ProvisioningFinished, &controller.IgnoredError{Reason: fmt.Sprintf("StorageClass %s is for provisioner %s", sc.Name, sc.Provisioner)}
	}
	if claim.Spec.DataSource != nil || claim.Spec.DataSourceRef != nil {
		return nil, controller.ProvisioningFinished, errors.New("volumes from a data source (snapshot, clone, populator) are not supported by this csi-provisioner stand-in")
	}
	if claim.Spec.VolumeAttributesClassName != nil && *claim.Spec.VolumeAttributesClassName != "" {
		return nil, controller.ProvisioningFinished, errors.New("VolumeAttributesClass is not supported by this csi-provisioner stand-in")
	}
	pvName := p.volumeName(claim)

	fsType, err := p.fsTypeOf(sc.Parameters)
	if err != nil {
		return nil, controller.ProvisioningFinished, err
	}
	params, err := removePrefixedParameters(sc.Parameters)
	if err != nil {
		return nil, controller.ProvisioningFinished, err
	}
	if p.extraMetadata {
		params[pvcNameKey], params[pvcNamespaceKey], params[pvNameKey] = claim.Name, claim.Namespace, pvName
	}
	capacity, ok := claim.Spec.Resources.Requests[v1.ResourceStorage]
	if !ok {
		return nil, controller.ProvisioningFinished, errors.New("the claim has no spec.resources.requests.storage")
	}
	wantBytes := capacity.Value()
	capRange := &csi.CapacityRange{RequiredBytes: wantBytes}
	if limit, ok := claim.Spec.Resources.Limits[v1.ResourceStorage]; ok && !limit.IsZero() {
		capRange.LimitBytes = limit.Value()
	}
	caps, err := p.volumeCapabilities(claim, sc, fsType)
	if err != nil {
		return nil, controller.ProvisioningFinished, err
	}

	// the provisioner secret sees only the claim's name and namespace; the others the whole claim
	nameOnly := &v1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: claim.Name, Namespace: claim.Namespace}}
	provisionerRef, err := secretReference(provisionerSecret, sc.Parameters, pvName, nameOnly)
	if err != nil {
		return nil, controller.ProvisioningFinished, err
	}
	refs := map[secretParams]*v1.SecretReference{}
	for _, s := range []secretParams{controllerPublishSecret, nodeStageSecret, nodePublishSecret, controllerExpandSecret, nodeExpandSecret} {
		if refs[s], err = secretReference(s, sc.Parameters, pvName, claim); err != nil {
			return nil, controller.ProvisioningFinished, err
		}
	}
	secrets, err := credentials(ctx, p.client, provisionerRef)
	if err != nil {
		klog.Errorf("CreateVolume %s: not called: %v", pvName, err)
		return nil, controller.ProvisioningNoChange, err
	}

	req := &csi.CreateVolumeRequest{Name: pvName, CapacityRange: capRange, VolumeCapabilities: caps, Parameters: params, Secrets: secrets}
	cctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	t0 := time.Now()
	rep, err := p.csi.CreateVolume(cctx, req)
	logCall("CreateVolume", pvName, t0, err)
	if err != nil {
		// no topology here: never reschedule
		return nil, checkError(err, false), err
	}
	vol := rep.GetVolume()
	if vol == nil || vol.VolumeId == "" {
		return nil, controller.ProvisioningFinished, fmt.Errorf("CreateVolume %s answered no volume id", pvName)
	}
	gotBytes := vol.CapacityBytes
	if gotBytes == 0 {
		// the driver did not say: the requested size (csi-provisioner does the same)
		gotBytes = wantBytes
	}
	if gotBytes < wantBytes {
		err := fmt.Errorf("created volume capacity %d less than requested capacity %d", gotBytes, wantBytes)
		if derr := p.deleteVolume(ctx, pvName, vol.VolumeId, secrets); derr != nil {
			err = fmt.Errorf("%v; the volume could not be removed again (%v): it may be left in the driver", err, derr)
		}
		return nil, controller.ProvisioningFinished, err
	}

	pv := &v1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: pvName},
		Spec: v1.PersistentVolumeSpec{
			AccessModes:  claim.Spec.AccessModes,
			MountOptions: sc.MountOptions,
			Capacity:     v1.ResourceList{v1.ResourceStorage: *resource.NewQuantity(gotBytes, resource.BinarySI)},
			VolumeMode:   claim.Spec.VolumeMode,
			PersistentVolumeSource: v1.PersistentVolumeSource{CSI: &v1.CSIPersistentVolumeSource{
				Driver:                     p.driverName,
				VolumeHandle:               vol.VolumeId,
				VolumeAttributes:           vol.VolumeContext,
				ControllerPublishSecretRef: refs[controllerPublishSecret],
				NodeStageSecretRef:         refs[nodeStageSecret],
				NodePublishSecretRef:       refs[nodePublishSecret],
				ControllerExpandSecretRef:  refs[controllerExpandSecret],
				NodeExpandSecretRef:        refs[nodeExpandSecret],
			}},
		},
	}
	if sc.ReclaimPolicy != nil {
		pv.Spec.PersistentVolumeReclaimPolicy = *sc.ReclaimPolicy
	}
	if !isBlock(claim.Spec.VolumeMode) {
		pv.Spec.CSI.FSType = fsType
	}
	if provisionerRef != nil {
		metav1.SetMetaDataAnnotation(&pv.ObjectMeta, annDeletionSecretName, provisionerRef.Name)
		metav1.SetMetaDataAnnotation(&pv.ObjectMeta, annDeletionSecretNamespace, provisionerRef.Namespace)
	}
	if len(vol.AccessibleTopology) > 0 {
		pv.Spec.NodeAffinity = nodeAffinity(vol.AccessibleTopology)
	}
	klog.Infof("PV %s for claim %s/%s: volume %s, %d bytes", pvName, claim.Namespace, claim.Name, vol.VolumeId, gotBytes)
	return pv, controller.ProvisioningFinished, nil
}

// nodeAffinity: one node selector term per accessible topology, as csi-provisioner builds it.
func nodeAffinity(topologies []*csi.Topology) *v1.VolumeNodeAffinity {
	var terms []v1.NodeSelectorTerm
	for _, t := range topologies {
		var exprs []v1.NodeSelectorRequirement
		keys := make([]string, 0, len(t.Segments))
		for k := range t.Segments {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			exprs = append(exprs, v1.NodeSelectorRequirement{Key: k, Operator: v1.NodeSelectorOpIn, Values: []string{t.Segments[k]}})
		}
		terms = append(terms, v1.NodeSelectorTerm{MatchExpressions: exprs})
	}
	return &v1.VolumeNodeAffinity{Required: &v1.NodeSelector{NodeSelectorTerms: terms}}
}

func (p *csiProvisioner) deleteVolume(ctx context.Context, what, volumeID string, secrets map[string]string) error {
	cctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	t0 := time.Now()
	_, err := p.csi.DeleteVolume(cctx, &csi.DeleteVolumeRequest{VolumeId: volumeID, Secrets: secrets})
	logCall("DeleteVolume", fmt.Sprintf("%s (%s)", what, volumeID), t0, err)
	return err
}

// Delete: DeleteVolume with the secret Provision used (the PV's annotations), else the StorageClass's
// provisioner secret when the class still exists. A secret that is gone does not stop the delete.
func (p *csiProvisioner) Delete(ctx context.Context, pv *v1.PersistentVolume) error {
	if pv == nil || pv.Spec.CSI == nil {
		return errors.New("invalid CSI PV")
	}
	if pv.Spec.CSI.Driver != p.driverName {
		return &controller.IgnoredError{Reason: fmt.Sprintf("PV %s is driver %s's", pv.Name, pv.Spec.CSI.Driver)}
	}
	var ref *v1.SecretReference
	if name, ok := pv.Annotations[annDeletionSecretName]; ok {
		if ns := pv.Annotations[annDeletionSecretNamespace]; name != "" && ns != "" {
			ref = &v1.SecretReference{Name: name, Namespace: ns}
		}
	} else if scName := pv.Spec.StorageClassName; scName != "" {
		sc, err := p.client.StorageV1().StorageClasses().Get(ctx, scName, metav1.GetOptions{})
		switch {
		case err == nil:
			var claim *v1.PersistentVolumeClaim
			if cr := pv.Spec.ClaimRef; cr != nil {
				claim = &v1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: cr.Name, Namespace: cr.Namespace}}
			}
			if ref, err = secretReference(provisionerSecret, sc.Parameters, pv.Name, claim); err != nil {
				return err
			}
		case !apierrors.IsNotFound(err):
			return fmt.Errorf("failed to get storageclass: %s, %w", scName, err)
		}
	}
	secrets, err := credentials(ctx, p.client, ref)
	if err != nil {
		// as csi-provisioner: go on, the secret may have been deleted already
		klog.Errorf("Failed to get credentials for volume %s: %v", pv.Name, err)
	}
	return p.deleteVolume(ctx, pv.Name, pv.Spec.CSI.VolumeHandle, secrets)
}
