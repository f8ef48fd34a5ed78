#!/bin/bash
# Build the lab's storage-node image: Debian 12 (debootstrap minbase + apt in a chroot), GlusterFS 10,
# LVM thin, XFS, sshd, the cloud kernel, a tiny busybox initramfs, all identity-free.
#   build-image.sh <work dir> <output dir> <asset dir>
# Output: base.img (ext4, raw, sparse), vmlinuz, initrd.img (Debian's), initrd-tiny.img (busybox+virtio).
# The Debian mirror is read from the host's apt sources at run time and never written anywhere.
set -euo pipefail
WORK=$1; OUT=$2; ASSETS=$3
ROOT=$WORK/rootfs; DEBCACHE=$WORK/debcache
mkdir -p "$DEBCACHE" "$OUT"
MIRROR=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$MIRROR" ] || MIRROR=$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list)
PKGS=$(grep -v '^#' "$ASSETS/packages.txt" | xargs)
unmount_all() { for m in dev/pts dev sys proc; do mountpoint -q "$ROOT/$m" && umount -l "$ROOT/$m" || true; done; }
trap unmount_all EXIT
t0=$(date +%s)
unmount_all; rm -rf "$ROOT"
debootstrap --variant=minbase --cache-dir="$DEBCACHE" bookworm "$ROOT" "$MIRROR"
t1=$(date +%s); echo "TIMING debootstrap $((t1-t0))s"

printf '#!/bin/sh\nexit 101\n' > "$ROOT/usr/sbin/policy-rc.d"; chmod +x "$ROOT/usr/sbin/policy-rc.d"
mount -t proc proc "$ROOT/proc"; mount -t sysfs sys "$ROOT/sys"
mount --bind /dev "$ROOT/dev"; mount --bind /dev/pts "$ROOT/dev/pts"
mkdir -p "$ROOT/var/cache/apt/archives"
cp -n "$DEBCACHE"/*.deb "$ROOT/var/cache/apt/archives/" 2>/dev/null || true
cat > "$ROOT/etc/apt/apt.conf.d/99pgfs" <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Dpkg::Options { "--force-confdef"; "--force-confold"; };
EOF
mkdir -p "$ROOT/etc/initramfs-tools/conf.d"
printf 'MODULES=list\nCOMPRESS=gzip\n' > "$ROOT/etc/initramfs-tools/conf.d/pgfs.conf"
printf 'virtio_pci\nvirtio_blk\nvirtio_net\n' > "$ROOT/etc/initramfs-tools/modules"
# shellcheck disable=SC2086
chroot "$ROOT" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $PKGS
t2=$(date +%s); echo "TIMING apt-install $((t2-t1))s"
cp -n "$ROOT"/var/cache/apt/archives/*.deb "$DEBCACHE/" 2>/dev/null || true
chroot "$ROOT" apt-get clean

# identity service: hostname, /etc/hosts, authorized key, own SSH host key, NICs (before sshd and glusterd)
install -m 755 "$ASSETS/node-identity.sh" "$ROOT/usr/local/sbin/pgfs-identity"
cat > "$ROOT/etc/systemd/system/pgfs-identity.service" <<'EOF'
[Unit]
Description=Lab node identity from the kernel command line
DefaultDependencies=no
After=systemd-remount-fs.service systemd-udev-trigger.service
Before=network-pre.target ssh.service glusterd.service sysinit.target
Wants=network-pre.target
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/pgfs-identity
[Install]
WantedBy=sysinit.target
EOF
chroot "$ROOT" systemctl enable pgfs-identity.service
chroot "$ROOT" systemctl enable glusterd.service || true
for u in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer \
         man-db.timer dpkg-db-backup.timer systemd-timesyncd.service; do
  chroot "$ROOT" systemctl disable "$u" 2>/dev/null || true
done
# glusterd runs the python gsyncd ~25 times at every start (20-30 s under TCG); without it glusterd
# logs "geo-replication module not installed" and starts in half a second. Geo-replication is off in the lab.
chroot "$ROOT" dpkg-divert --local --rename --divert /usr/lib/x86_64-linux-gnu/glusterfs/gsyncd.disabled \
  --add /usr/lib/x86_64-linux-gnu/glusterfs/gsyncd
for u in systemd-networkd-wait-online.service getty@tty1.service getty-static.service systemd-pstore.service \
         sys-kernel-debug.mount sys-kernel-tracing.mount sys-kernel-config.mount systemd-binfmt.service \
         proc-sys-fs-binfmt_misc.automount dev-hugepages.mount dev-mqueue.mount systemd-update-utmp.service \
         systemd-update-utmp-runlevel.service systemd-journal-flush.service modprobe@efi_pstore.service \
         modprobe@drm.service modprobe@configfs.service modprobe@loop.service blk-availability.service; do
  chroot "$ROOT" systemctl mask "$u" >/dev/null 2>&1 || true
done
mkdir -p "$ROOT/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=volatile\n' > "$ROOT/etc/systemd/journald.conf.d/pgfs.conf"
# sshd: key-only root login, only the per-node ed25519 host key (injected at boot), no DNS lookups
sed -i 's/^#\?PermitRootLogin.*/PermitRootLogin prohibit-password/' "$ROOT/etc/ssh/sshd_config"
{ echo 'UseDNS no'; echo 'PasswordAuthentication no'; echo 'HostKey /etc/ssh/ssh_host_ed25519_key'; } >> "$ROOT/etc/ssh/sshd_config"
rm -f "$ROOT"/etc/ssh/ssh_host_*
# a non-root operator account with passwordless sudo (for the SSH executor's sudo mode)
chroot "$ROOT" useradd -m -s /bin/bash pgfs
echo 'pgfs ALL=(ALL) NOPASSWD:ALL' > "$ROOT/etc/sudoers.d/pgfs"; chmod 440 "$ROOT/etc/sudoers.d/pgfs"
echo 'root:lab' | chroot "$ROOT" chpasswd   # serial console only (sshd refuses passwords)
echo '/dev/vda / ext4 defaults,noatime,errors=remount-ro 0 1' > "$ROOT/etc/fstab"
# no DNS in the lab: names come from /etc/hosts only (a resolver that times out would stall glusterd and getent)
sed -i 's/^hosts:.*/hosts:          files/' "$ROOT/etc/nsswitch.conf"; : > "$ROOT/etc/resolv.conf"
# modules the storage stack needs, loaded at boot (before the snapshot is taken)
printf 'dm_thin_pool\nxfs\nfuse\n' > "$ROOT/etc/modules-load.d/pgfs.conf"
# per-VM state must not be in the image
: > "$ROOT/etc/machine-id"; rm -f "$ROOT/var/lib/dbus/machine-id" "$ROOT/var/lib/glusterd/glusterd.info"
rm -f "$ROOT/usr/sbin/policy-rc.d"
cp -L "$ROOT/boot/vmlinuz" "$OUT/vmlinuz" 2>/dev/null || cp "$ROOT"/boot/vmlinuz-* "$OUT/vmlinuz"
cp -L "$ROOT/boot/initrd.img" "$OUT/initrd.img" 2>/dev/null || cp "$ROOT"/boot/initrd.img-* "$OUT/initrd.img"
unmount_all; trap - EXIT
t3=$(date +%s); echo "TIMING configure $((t3-t2))s"

# tiny initramfs: static busybox + the virtio modules needed to reach /dev/vda (Debian's costs ~10 s under TCG)
KVER=$(ls "$ROOT/lib/modules" | head -1)
W=$(mktemp -d); mkdir -p "$W"/{bin,dev,proc,sys,newroot,mod}
cp "$ROOT/bin/busybox" "$W/bin/busybox"
MODS="virtio virtio_ring virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk"
for m in $MODS; do
  f=$(grep -E "/$m\.ko(\.[a-z]+)?:" "$ROOT/lib/modules/$KVER/modules.dep" | cut -d: -f1 || true)
  [ -n "$f" ] || continue   # built into the kernel
  case "$f" in
    *.ko.xz) xz -dc "$ROOT/lib/modules/$KVER/$f" > "$W/mod/$m.ko" ;;
    *.ko.zst) zstd -dcq "$ROOT/lib/modules/$KVER/$f" > "$W/mod/$m.ko" ;;
    *) cp "$ROOT/lib/modules/$KVER/$f" "$W/mod/$m.ko" ;;
  esac
done
cat > "$W/init" <<'EOI'
#!/bin/busybox sh
B=/bin/busybox
$B mount -t devtmpfs devtmpfs /dev; $B mount -t proc proc /proc; $B mount -t sysfs sysfs /sys
for m in virtio virtio_ring virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk; do
  [ -f /mod/$m.ko ] && $B insmod /mod/$m.ko
done
i=0; while [ ! -b /dev/vda ] && [ $i -lt 200 ]; do $B sleep 0.05; i=$((i+1)); done
$B mount -t ext4 -o rw,noatime /dev/vda /newroot || { echo "initrd: cannot mount /dev/vda"; exec $B sh; }
$B mount --move /dev /newroot/dev; $B mount --move /proc /newroot/proc; $B mount --move /sys /newroot/sys
exec $B switch_root /newroot /sbin/init
EOI
chmod +x "$W/init"
(cd "$W" && find . | "$ROOT/bin/busybox" cpio -o -H newc 2>/dev/null | gzip -1) > "$OUT/initrd-tiny.img"
rm -rf "$W"

# root filesystem image (raw, sparse), used read-only as the backing file of per-VM qcow2 overlays
rm -f "$OUT/base.img"; truncate -s 3G "$OUT/base.img"
mkfs.ext4 -q -F -L pgfsroot -E lazy_itable_init=1,lazy_journal_init=1 -d "$ROOT" "$OUT/base.img"
chmod 444 "$OUT/base.img"
cp "$ASSETS/packages.txt" "$OUT/packages.txt"
echo "kernel $KVER" > "$OUT/kernel.txt"
t4=$(date +%s); echo "TIMING image $((t4-t3))s TOTAL $((t4-t0))s"
