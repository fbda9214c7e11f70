import type { ComponentType } from 'react';
import { ClustersPage } from '../pages/clusters/ClustersPage';
import { JournalPage } from '../pages/journal/JournalPage';
import { KvPage } from '../pages/kv/KvPage';
import { MachinesPage } from '../pages/machines/MachinesPage';
import { UnitsPage } from '../pages/units/UnitsPage';
import { UpdatesPage } from '../pages/updates/UpdatesPage';

/** The app's pages, in navigation order. Pages not built yet say what will come there. */
export interface PageDef {
  path: string;
  title: string;
  coming: string;
  /** The page itself, once built (its routes live under `path`). */
  component?: ComponentType;
}

export const PAGES: PageDef[] = [
  {
    path: '/clusters',
    title: 'Clusters',
    component: ClustersPage,
    coming:
      'Create a cluster point-and-click with the wizard (machines, metadata, KV members, update channel, SSH keys, cloud-config review), import a coreos-vagrant config, and start, stop or destroy clusters.',
  },
  {
    path: '/machines',
    title: 'Machines',
    component: MachinesPage,
    coming:
      'A board with one column per machine — hostname, IP, metadata, OS version, KV role and health — and its units as cards you drag from machine to machine, with the scheduler’s plan shown before anything moves.',
  },
  {
    path: '/units',
    title: 'Units',
    component: UnitsPage,
    coming:
      'Every unit with its state, machine and hash; an editor for unit files with inline errors, completion for [X-Fleet] options, a diff against the registry and a plan before start.',
  },
  {
    path: '/journal',
    title: 'Journal',
    component: JournalPage,
    coming:
      'One merged, live stream of the journals of the machines and units you pick: follow, pause on scroll, search with regex, and reconnect where it stopped.',
  },
  {
    path: '/kv',
    title: 'KV',
    component: KvPage,
    coming:
      'The etcd-compatible key-value store as a tree: watch values change live, edit with conflict detection, browse a key’s history and leases, and see Raft health per member.',
  },
  {
    path: '/updates',
    title: 'Updates',
    component: UpdatesPage,
    coming:
      'Flip machines between the stable, beta and alpha channels, watch the update engine download to the passive partition, and follow coordinated reboots under the reboot lock.',
  },
];
