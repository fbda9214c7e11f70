// Unit files to start from in the editor, written the way fleet users wrote them.

export interface UnitTemplate {
  id: 'hello' | 'docker' | 'global' | 'template';
  title: string;
  /** One line on what it shows. */
  summary: string;
  /** The name the editor suggests. */
  name: string;
  content: string;
}

export const UNIT_TEMPLATES: readonly UnitTemplate[] = [
  {
    id: 'hello',
    title: 'Hello world',
    summary: 'The CoreOS walkthrough’s hello.service: busybox printing “Hello World” every second.',
    name: 'hello.service',
    content: `[Unit]
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
Conflicts=hello*.service
`,
  },
  {
    id: 'docker',
    title: 'Docker service',
    summary:
      'A container named after the unit (%n), cleaned up before it starts and stopped with docker stop.',
    name: 'web.service',
    content: `[Unit]
Description=%p in a container
After=docker.service
Requires=docker.service

[Service]
TimeoutStartSec=0
Restart=always
RestartSec=5s
# Remove a container a crash left behind; the leading - ignores "no such container".
ExecStartPre=-/usr/bin/docker kill %n
ExecStartPre=-/usr/bin/docker rm %n
ExecStartPre=/usr/bin/docker pull busybox
ExecStart=/usr/bin/docker run --rm --name %n busybox /bin/sh -c "while true; do echo %n is up; sleep 5; done"
ExecStop=/usr/bin/docker stop %n
`,
  },
  {
    id: 'global',
    title: 'Global unit',
    summary: 'One copy on every machine (Global=true), e.g. a monitoring agent.',
    name: 'monitor.service',
    content: `[Unit]
Description=Monitoring agent on every machine

[Service]
Restart=always
ExecStart=/bin/sh -c "while true; do echo monitor heartbeat; sleep 10; done"

[X-Fleet]
Global=true
`,
  },
  {
    id: 'template',
    title: 'Template unit',
    summary:
      'name@.service: start instances like hello@1.service; %i is the instance, and no two share a machine.',
    name: 'hello@.service',
    content: `[Unit]
Description=Hello %i
After=docker.service
Requires=docker.service

[Service]
TimeoutStartSec=0
ExecStartPre=-/usr/bin/docker kill hello-%i
ExecStartPre=-/usr/bin/docker rm hello-%i
ExecStart=/usr/bin/docker run --rm --name hello-%i busybox /bin/sh -c "while true; do echo Hello from %i; sleep 1; done"
ExecStop=/usr/bin/docker stop hello-%i

[X-Fleet]
Conflicts=hello@*.service
`,
  },
];
