// heketi-contract drives a Heketi-compatible REST server through Heketi's own Go client
// (github.com/heketi/heketi/client/api/go-client, v10.3.0 — the version Kubernetes 1.21–1.25 vendored)
// in the order the in-tree kubernetes.io/glusterfs provisioner calls it:
//
//	provision: VolumeCreate → ClusterInfo(volume.Cluster) → NodeInfo(each node), storage hostnames must be IPs
//	expand:    VolumeInfo → VolumeExpand(delta GiB) → new size from the reply
//	delete:    VolumeDelete → (the volume is gone: VolumeInfo answers "Id not found")
//
// plus one call with the "user" issuer (VolumeList, the one read a user token may do).
//
// Output: one JSON line per step on stdout, {"step","ok","detail"[,"data"]}; detail is the server's
// error text when a call fails. Exit code 0 only if every step passed, 1 if one failed, 2 on bad flags.
package main

import (
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	gcli "github.com/heketi/heketi/client/api/go-client"
	gapi "github.com/heketi/heketi/pkg/glusterfs/api"
)

type config struct {
	server, user, key, userKey string
	clusters                   []string
	pollDelay, timeout         time.Duration
	size, expand               int
	gid                        int64
	snapFactor                 float64
	volumeOptions              []string
	namePrefix, namespace, pvc string
}

type stepResult struct {
	Step   string      `json:"step"`
	OK     bool        `json:"ok"`
	Detail string      `json:"detail"`
	Data   interface{} `json:"data,omitempty"`
}

type runner struct {
	mu     sync.Mutex
	failed bool
	out    *json.Encoder
}

func (r *runner) emit(step string, ok bool, detail string, data interface{}) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !ok {
		r.failed = true
	}
	_ = r.out.Encode(stepResult{Step: step, OK: ok, Detail: detail, Data: data})
	return ok
}

func (r *runner) pass(step, detail string, data interface{}) bool {
	return r.emit(step, true, detail, data)
}

// fail reports a failed step; err is the go-client's error, whose text is the server's response body.
func (r *runner) fail(step string, err error, data interface{}) bool {
	return r.emit(step, false, err.Error(), data)
}

func (r *runner) skip(step, why string) bool { return r.emit(step, false, "skipped: "+why, nil) }

var idRe = regexp.MustCompile(`^[0-9a-f]{32}$`)

// splitList splits a StorageClass-style comma list (clusterid, volumeoptions) the way the provisioner
// does: strings.Split without trimming, an empty value meaning "none".
func splitList(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Split(v, ",")
}

// newUUID returns a random RFC 4122 UUID in its 36-character text form (the provisioner appends
// uuid.NewUUID() to the volume name, dashes included).
func newUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func parseFlags() (*config, error) {
	c := &config{}
	var clusters, options string
	fs := flag.NewFlagSet("heketi-contract", flag.ContinueOnError)
	fs.StringVar(&c.server, "server", "", "Heketi REST URL, e.g. http://127.0.0.1:8080 (StorageClass resturl)")
	fs.StringVar(&c.user, "user", "admin", "JWT issuer for the provisioner calls (StorageClass restuser)")
	fs.StringVar(&c.key, "key", "", "secret of --user (StorageClass restuserkey / Secret key)")
	fs.StringVar(&c.userKey, "user-key", "", "secret of the \"user\" issuer; when set, also run the user-key step")
	fs.StringVar(&clusters, "cluster", "", "comma-separated cluster ids (StorageClass clusterid)")
	fs.DurationVar(&c.pollDelay, "poll-delay", 200*time.Millisecond, "go-client PollDelay between GET /queue/<id> polls")
	fs.DurationVar(&c.timeout, "timeout", 5*time.Minute, "give up (exit 1) after this long")
	fs.IntVar(&c.size, "size", 1, "volume size in GiB")
	fs.IntVar(&c.expand, "expand", 1, "expansion delta in GiB")
	fs.Int64Var(&c.gid, "gid", 2000, "volume gid (the provisioner allocates from gidMin=2000)")
	fs.Float64Var(&c.snapFactor, "snap-factor", 1, "snapshot factor (StorageClass snapfactor)")
	fs.StringVar(&options, "volume-options", "performance.rda-cache-limit 10MB",
		"comma-separated gluster volume options (StorageClass volumeoptions)")
	fs.StringVar(&c.namePrefix, "name-prefix", "pgfs", "StorageClass volumenameprefix; \"\" lets the server name the volume vol_<id>")
	fs.StringVar(&c.namespace, "namespace", "default", "PVC namespace used in the volume name")
	fs.StringVar(&c.pvc, "pvc", "claim1", "PVC name used in the volume name")
	if err := fs.Parse(os.Args[1:]); err != nil {
		return nil, err
	}
	if c.server == "" || c.key == "" {
		return nil, fmt.Errorf("--server and --key are required")
	}
	if c.size < 1 || c.expand < 1 {
		return nil, fmt.Errorf("--size and --expand must be at least 1")
	}
	c.server = strings.TrimRight(c.server, "/")
	c.clusters = splitList(clusters)
	c.volumeOptions = splitList(options)
	return c, nil
}

func newClient(c *config, user, key string) *gcli.Client {
	// The provisioner uses gcli.NewClient (default options: retry on 429, 400 ms polls); the only
	// difference here is the poll delay, to keep test runs short.
	opts := gcli.DefaultClientOptions()
	opts.PollDelay = int(c.pollDelay / time.Millisecond)
	return gcli.NewClientWithOptions(c.server, user, key, opts)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !contains(b, x) {
			return false
		}
	}
	return true
}

// volumeSummary is what the steps report about a volume (data field of the JSON line).
func volumeSummary(v *gapi.VolumeInfoResponse) map[string]interface{} {
	return map[string]interface{}{
		"id": v.Id, "name": v.Name, "size": v.Size, "cluster": v.Cluster, "bricks": len(v.Bricks),
		"hosts": v.Mount.GlusterFS.Hosts, "device": v.Mount.GlusterFS.MountPoint,
	}
}

// checkCreated compares the VolumeCreate reply with the request: the fields the provisioner uses
// (id, name, cluster) and those Heketi echoes back (size, durability, gid, snapshot, options, mount).
func checkCreated(c *config, req *gapi.VolumeCreateRequest, v *gapi.VolumeInfoResponse) []string {
	var bad []string
	if !idRe.MatchString(v.Id) {
		bad = append(bad, fmt.Sprintf("id %q is not 32 lowercase hex characters", v.Id))
	}
	if req.Name != "" && v.Name != req.Name {
		bad = append(bad, fmt.Sprintf("name %q, requested %q", v.Name, req.Name))
	}
	if req.Name == "" && v.Name != "vol_"+v.Id {
		bad = append(bad, fmt.Sprintf("name %q, expected the default vol_<id>", v.Name))
	}
	if v.Size != req.Size {
		bad = append(bad, fmt.Sprintf("size %d, requested %d", v.Size, req.Size))
	}
	if !idRe.MatchString(v.Cluster) {
		bad = append(bad, fmt.Sprintf("cluster %q is not an id", v.Cluster))
	} else if len(req.Clusters) > 0 && !contains(req.Clusters, v.Cluster) {
		bad = append(bad, fmt.Sprintf("cluster %s is not one of the requested %v", v.Cluster, req.Clusters))
	}
	if v.Durability.Type != gapi.DurabilityReplicate || v.Durability.Replicate.Replica != 3 {
		bad = append(bad, fmt.Sprintf("durability %+v, requested replicate 3", v.Durability))
	}
	if v.Gid != req.Gid {
		bad = append(bad, fmt.Sprintf("gid %d, requested %d", v.Gid, req.Gid))
	}
	if !v.Snapshot.Enable || v.Snapshot.Factor != req.Snapshot.Factor {
		bad = append(bad, fmt.Sprintf("snapshot %+v, requested %+v", v.Snapshot, req.Snapshot))
	}
	for _, o := range req.GlusterVolumeOptions {
		if !contains(v.GlusterVolumeOptions, o) {
			bad = append(bad, fmt.Sprintf("glustervolumeoptions %q lacks %q", v.GlusterVolumeOptions, o))
		}
	}
	hosts := v.Mount.GlusterFS.Hosts
	if len(hosts) == 0 {
		bad = append(bad, "mount.glusterfs.hosts is empty")
	} else {
		if want := hosts[0] + ":" + v.Name; v.Mount.GlusterFS.MountPoint != want {
			bad = append(bad, fmt.Sprintf("mount.glusterfs.device %q, expected %q", v.Mount.GlusterFS.MountPoint, want))
		}
		if got, want := v.Mount.GlusterFS.Options["backup-volfile-servers"], strings.Join(hosts[1:], ","); got != want {
			bad = append(bad, fmt.Sprintf("mount.glusterfs.options.backup-volfile-servers %q, expected %q", got, want))
		}
	}
	if len(v.Bricks) == 0 || len(v.Bricks)%3 != 0 {
		bad = append(bad, fmt.Sprintf("%d bricks, expected a positive multiple of 3", len(v.Bricks)))
	}
	for _, b := range v.Bricks {
		if b.VolumeId != v.Id || b.Size == 0 || b.Path == "" || !idRe.MatchString(b.NodeId) || !idRe.MatchString(b.DeviceId) {
			bad = append(bad, fmt.Sprintf("brick %+v is incomplete or not of this volume", b))
			break
		}
	}
	return bad
}

func run(c *config, r *runner) {
	cli := newClient(c, c.user, c.key)

	// (1) VolumeCreate, built as the provisioner builds it.
	name := ""
	if c.namePrefix != "" {
		name = fmt.Sprintf("%s_%s_%s_%s", c.namePrefix, c.namespace, c.pvc, newUUID())
	}
	snaps := struct {
		Enable bool    `json:"enable"`
		Factor float32 `json:"factor"`
	}{true, float32(c.snapFactor)}
	req := &gapi.VolumeCreateRequest{
		Size:                 c.size,
		Name:                 name,
		Clusters:             c.clusters,
		Gid:                  c.gid,
		Durability:           gapi.VolumeDurabilityInfo{Type: gapi.DurabilityReplicate, Replicate: gapi.ReplicaDurability{Replica: 3}},
		GlusterVolumeOptions: c.volumeOptions,
		Snapshot:             snaps,
	}
	vol, err := cli.VolumeCreate(req)
	volumeID := ""
	if err != nil {
		r.fail("volume-create", err, map[string]interface{}{"request": req})
	} else {
		volumeID = vol.Id
		if bad := checkCreated(c, req, vol); len(bad) > 0 {
			r.emit("volume-create", false, strings.Join(bad, "; "), volumeSummary(vol))
		} else {
			r.pass("volume-create", fmt.Sprintf("created %s (%s, %d GiB) on cluster %s", vol.Id, vol.Name, vol.Size, vol.Cluster), volumeSummary(vol))
		}
	}
	// Whatever happens below, do not leave the volume behind.
	deleted := false
	defer func() {
		if volumeID != "" && !deleted {
			_ = cli.VolumeDelete(volumeID)
		}
	}()

	// (2) ClusterInfo(volume.Cluster) and (3) NodeInfo for each node: the Endpoints' IP list.
	var nodeIDs []string
	if vol == nil {
		r.skip("cluster-info", "no volume")
	} else if ci, err := cli.ClusterInfo(vol.Cluster); err != nil {
		r.fail("cluster-info", fmt.Errorf("failed to get cluster details: %v", err), nil)
	} else {
		var bad []string
		if ci.Id != vol.Cluster {
			bad = append(bad, fmt.Sprintf("id %q, asked for %q", ci.Id, vol.Cluster))
		}
		if len(ci.Nodes) == 0 {
			bad = append(bad, "no nodes")
		}
		if !contains(ci.Volumes, vol.Id) {
			bad = append(bad, fmt.Sprintf("volumes %v lack %s", ci.Volumes, vol.Id))
		}
		data := map[string]interface{}{"nodes": ci.Nodes, "volumes": ci.Volumes}
		if len(bad) > 0 {
			r.emit("cluster-info", false, strings.Join(bad, "; "), data)
		} else {
			r.pass("cluster-info", fmt.Sprintf("cluster %s: %d nodes", ci.Id, len(ci.Nodes)), data)
			nodeIDs = ci.Nodes
		}
	}
	if nodeIDs == nil {
		r.skip("node-info", "no cluster nodes")
	} else {
		var ips []string
		var bad []string
		for _, id := range nodeIDs {
			ni, err := cli.NodeInfo(id)
			if err != nil {
				bad = append(bad, fmt.Sprintf("failed to get host ipaddress: %v", err))
				break
			}
			ipaddr := strings.Join(ni.NodeAddRequest.Hostnames.Storage, "")
			if net.ParseIP(ipaddr) == nil {
				bad = append(bad, fmt.Sprintf("glusterfs server node ip address %s must be a valid IP address, (eg. 10.x.x.x)", ipaddr))
				break
			}
			if ni.Id != id {
				bad = append(bad, fmt.Sprintf("node %s answered with id %q", id, ni.Id))
			}
			ips = append(ips, ipaddr)
		}
		if len(bad) == 0 && !sameSet(ips, vol.Mount.GlusterFS.Hosts) {
			bad = append(bad, fmt.Sprintf("node storage addresses %v differ from the volume's mount hosts %v", ips, vol.Mount.GlusterFS.Hosts))
		}
		if len(bad) > 0 {
			r.emit("node-info", false, strings.Join(bad, "; "), map[string]interface{}{"ips": ips})
		} else {
			r.pass("node-info", "endpoints "+strings.Join(ips, ","), map[string]interface{}{"ips": ips})
		}
	}

	// The user issuer may list volumes (GET /volumes is the one path it may read).
	if c.userKey != "" {
		list, err := newClient(c, "user", c.userKey).VolumeList()
		if err != nil {
			r.fail("user-volume-list", err, nil)
		} else if volumeID != "" && !contains(list.Volumes, volumeID) {
			r.emit("user-volume-list", false, fmt.Sprintf("volumes %v lack %s", list.Volumes, volumeID), nil)
		} else {
			r.pass("user-volume-list", fmt.Sprintf("%d volumes", len(list.Volumes)), map[string]interface{}{"volumes": list.Volumes})
		}
	}

	// (4) Expand as the expander does: VolumeInfo, then VolumeExpand with the GiB delta.
	if volumeID == "" {
		r.skip("volume-info", "no volume")
		r.skip("volume-expand", "no volume")
		r.skip("volume-info-expanded", "no volume")
	} else {
		before, err := cli.VolumeInfo(volumeID)
		if err != nil {
			r.fail("volume-info", err, nil)
			r.skip("volume-expand", "volume-info failed")
			r.skip("volume-info-expanded", "volume-info failed")
		} else {
			if before.Id != volumeID || before.Name != vol.Name || before.Size != vol.Size || before.Cluster != vol.Cluster {
				r.emit("volume-info", false, "VolumeInfo differs from the VolumeCreate reply", volumeSummary(before))
			} else {
				r.pass("volume-info", fmt.Sprintf("%s is %d GiB", before.Id, before.Size), volumeSummary(before))
			}
			requested := before.Size + c.expand
			after, err := cli.VolumeExpand(volumeID, &gapi.VolumeExpandRequest{Size: c.expand})
			if err != nil {
				r.fail("volume-expand", err, nil)
				r.skip("volume-info-expanded", "volume-expand failed")
			} else {
				if after.Id != volumeID || after.Size < requested {
					r.emit("volume-expand", false, fmt.Sprintf("expand by %d GiB answered volume %s of %d GiB, expected at least %d GiB",
						c.expand, after.Id, after.Size, requested), volumeSummary(after))
				} else {
					r.pass("volume-expand", fmt.Sprintf("%d GiB + %d GiB -> %dGi", before.Size, c.expand, after.Size), volumeSummary(after))
				}
				if again, err := cli.VolumeInfo(volumeID); err != nil {
					r.fail("volume-info-expanded", err, nil)
				} else if again.Size != after.Size {
					r.emit("volume-info-expanded", false, fmt.Sprintf("VolumeInfo says %d GiB, the expand reply said %d GiB", again.Size, after.Size), volumeSummary(again))
				} else {
					r.pass("volume-info-expanded", fmt.Sprintf("%d GiB, %d bricks", again.Size, len(again.Bricks)), volumeSummary(again))
				}
			}
		}
	}

	// (5) VolumeDelete and (6) the volume is gone.
	if volumeID == "" {
		r.skip("volume-delete", "no volume")
		r.skip("volume-info-deleted", "no volume")
		return
	}
	if err := cli.VolumeDelete(volumeID); err != nil {
		r.fail("volume-delete", fmt.Errorf("failed to delete volume: %v", err), nil)
		r.skip("volume-info-deleted", "volume-delete failed")
		return
	}
	deleted = true
	r.pass("volume-delete", "deleted "+volumeID, nil)
	if v, err := cli.VolumeInfo(volumeID); err == nil {
		r.emit("volume-info-deleted", false, "VolumeInfo still answers after the delete", volumeSummary(v))
	} else if err.Error() != "Id not found" {
		r.emit("volume-info-deleted", false, fmt.Sprintf("expected the error \"Id not found\", got %q", err.Error()), nil)
	} else {
		r.pass("volume-info-deleted", err.Error(), nil)
	}
}

func main() {
	c, err := parseFlags()
	if err != nil {
		fmt.Fprintln(os.Stderr, "heketi-contract:", err)
		os.Exit(2)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	r := &runner{out: enc}
	done := make(chan struct{})
	go func() {
		run(c, r)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(c.timeout):
		r.emit("timeout", false, fmt.Sprintf("gave up after %v", c.timeout), nil)
		os.Exit(1)
	}
	if r.failed {
		os.Exit(1)
	}
}
