#!/bin/sh
# Runs once at boot, before sshd and glusterd: applies this VM's identity from the kernel command line.
#   pgfs.name=gnode1  pgfs.ip=10.77.0.11/24  pgfs.hosts=gnode1:10.77.0.11,gnode2:10.77.0.12,...
#   pgfs.key=<base64 of the operator's ssh-ed25519 public key blob>
#   pgfs.hostkey=<base64 of this node's own OpenSSH ed25519 private host key file>
# NICs are told apart by MAC prefix: 52:54:00:a0:* = management (QEMU user net), 52:54:00:77:* = storage LAN.
NAME=; IP=; HOSTS=; KEY=; HOSTKEY=
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    pgfs.name=*)    NAME=${arg#pgfs.name=} ;;
    pgfs.ip=*)      IP=${arg#pgfs.ip=} ;;
    pgfs.hosts=*)   HOSTS=${arg#pgfs.hosts=} ;;
    pgfs.key=*)     KEY=${arg#pgfs.key=} ;;
    pgfs.hostkey=*) HOSTKEY=${arg#pgfs.hostkey=} ;;
  esac
done
if [ -n "$NAME" ]; then echo "$NAME" > /etc/hostname; hostname "$NAME"; fi
{
  echo "127.0.0.1 localhost"
  echo "::1 localhost ip6-localhost ip6-loopback"
  echo "$HOSTS" | tr ',' '\n' | while IFS=: read -r h a; do [ -n "$h" ] && echo "$a $h"; done
} > /etc/hosts
if [ -n "$KEY" ]; then
  for home in /root /home/pgfs; do
    [ -d "$home" ] || continue
    mkdir -p "$home/.ssh"; chmod 700 "$home/.ssh"
    echo "ssh-ed25519 $KEY lab" > "$home/.ssh/authorized_keys"; chmod 600 "$home/.ssh/authorized_keys"
  done
  chown -R pgfs:pgfs /home/pgfs/.ssh 2>/dev/null || true
fi
if [ -n "$HOSTKEY" ]; then
  rm -f /etc/ssh/ssh_host_*
  echo "$HOSTKEY" | base64 -d > /etc/ssh/ssh_host_ed25519_key
  chmod 600 /etc/ssh/ssh_host_ed25519_key
  ssh-keygen -y -f /etc/ssh/ssh_host_ed25519_key > /etc/ssh/ssh_host_ed25519_key.pub
fi
modprobe virtio_net 2>/dev/null || true
ip link set lo up
i=0
while [ $i -lt 100 ]; do   # wait (at most ~10 s) for both NICs
  n=$(cat /sys/class/net/*/address 2>/dev/null | grep -c -e '^52:54:00:a0' -e '^52:54:00:77')
  [ "$n" -ge 2 ] && break
  sleep 0.1; i=$((i+1))
done
for d in /sys/class/net/*; do
  ifc=${d##*/}; mac=$(cat "$d/address")
  case "$mac" in
    52:54:00:a0:*) ip link set "$ifc" up; ip addr add 10.0.2.15/24 dev "$ifc"; ip route add default via 10.0.2.2 dev "$ifc" ;;
    52:54:00:77:*) ip link set "$ifc" up; [ -n "$IP" ] && ip addr add "$IP" dev "$ifc" ;;
  esac
done
exit 0
