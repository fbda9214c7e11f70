// The seeds' hello.service (/work/shared/seeds/002_*), verbatim but for the indentation, for the
// tests of every layer that runs it: parser, unit host, and the CLI walkthrough.
export const SEED_HELLO_SERVICE = `[Unit]
Description=Hello World
After=docker.service
Requires=docker.service
[Service]
TimeoutStartSec=0
ExecStartPre=-/usr/bin/docker kill busybox1
ExecStartPre=-/usr/bin/docker rm busybox1
ExecStartPre=/usr/bin/docker pull busybox
ExecStart=/usr/bin/docker run --name busybox1 busybox /bin/sh -c "while true; do echo Hello World; sleep 1; done"
ExecStop=/usr/bin/docker kill busybox1
[X-Fleet]
# Don't schedule on the same machine as other hello instances
X-Conflicts=hello*.service
`;
