// Fixtures for the tests: a user-data and a config.rb with the structure of coreos-vagrant's
// user-data.sample and config.rb.sample (written here, with Flotilla's own values).

/** coreos-vagrant's user-data shape: etcd2 URLs on the machine's addresses, fleet, flannel, units. */
export const VAGRANT_USER_DATA = `#cloud-config

# Keys for the core user; the wizard adds its own.
ssh_authorized_keys:
  - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFlotillaTestKeyOne0000000000000000000000 alice@laptop

coreos:
  etcd2:
    # a discovery URL is not needed on Flotilla
    advertise-client-urls: http://$public_ipv4:2379
    initial-advertise-peer-urls: http://$private_ipv4:2380
    listen-client-urls: http://0.0.0.0:2379,http://0.0.0.0:4001
    listen-peer-urls: http://$private_ipv4:2380,http://$private_ipv4:7001
  fleet:
    public-ip: $public_ipv4
    metadata: role=web,disk=ssd
  flannel:
    interface: $public_ipv4
  units:
    - name: etcd2.service
      command: start
    - name: fleet.service
      command: start
    - name: flanneld.service
      drop-ins:
      - name: 50-network-config.conf
        content: |
          [Service]
          ExecStartPre=/usr/bin/etcdctl set /coreos.com/network/config '{ "Network": "10.1.0.0/16" }'
      command: start
    - name: docker-tcp.socket
      command: start
      enable: true
      content: |
        [Unit]
        Description=Docker API on TCP

        [Socket]
        ListenStream=2375
        Service=docker.service

        [Install]
        WantedBy=sockets.target
    - name: hello.service
      command: start
      content: |
        [Unit]
        Description=Hello from user-data

        [Service]
        ExecStart=/bin/sh -c "while true; do echo hello; sleep 5; done"
write_files:
  - path: /etc/motd
    permissions: '0644'
    owner: core:core
    content: |
      Welcome to $public_ipv4
`;

/** coreos-vagrant's config.rb shape: settings, the discovery-token block, commented options. */
export const VAGRANT_CONFIG_RB = `# Size of the CoreOS cluster created by Vagrant
$num_instances=3

# Official CoreOS channel from which updates should be downloaded
$update_channel='beta'

# Used to fetch a new discovery token for a cluster of size $num_instances
$new_discovery_url="https://discovery.etcd.io/new?size=#{$num_instances}"

# Automatically replace the discovery token on 'vagrant up'

if File.exists?('user-data') && ARGV[0].eql?('up')
  require 'open-uri'
  require 'yaml'

  token = open($new_discovery_url).read

  data = YAML.load(IO.readlines('user-data')[1..-1].join)

  if data.key? 'coreos' and data['coreos'].key? 'etcd2'
    data['coreos']['etcd2']['discovery'] = token
  end

  yaml = YAML.dump(data)
  File.open('user-data', 'w') { |file| file.write("#cloud-config\\n\\n#{yaml}") }
end

# Change basename of the VM
$instance_name_prefix="web"

# Enable port forwarding of Docker TCP socket
$expose_docker_tcp=2375

# Customize VMs
#$vm_gui = false
$vm_memory = 2048
$vm_cpus = 2

# Share additional folders to the CoreOS VMs
#$shared_folders = {}

# Enable port forwarding from guest(s) to host machine, syntax is: { 80 => 8080 }
$forwarded_ports = { 80 => 8080, 443 => 8443 }
`;
