/**
 * The user each image of docker-compose-monitoring.yaml runs as, and the directories it owns, read
 * from the images' Dockerfiles at the pinned tags. The static compose test checks every service's
 * image against this table (a tag bump without a row here fails) and uses it to decide whether a
 * service can read its secrets and write its data. Images built here (`build:`) are read from
 * their Dockerfile instead; `baseImageUsers` gives the uid of the user names they switch to.
 */
export interface ImageUser {
  uid: number;
  user: string;
  /** Directories the image creates owned by `user` (a new named volume mounted there inherits it). */
  ownedDirs: string[];
  source: string;
}

export const imageUsers: Record<string, ImageUser> = {
  'prom/prometheus:v3.5.0': {
    uid: 65534,
    user: 'nobody',
    ownedDirs: ['/prometheus', '/etc/prometheus'],
    source: 'prometheus/prometheus v3.5.0 Dockerfile: chown -R nobody:nobody /etc/prometheus /prometheus; USER nobody',
  },
  'prom/alertmanager:v0.28.1': {
    uid: 65534,
    user: 'nobody',
    ownedDirs: ['/alertmanager', '/etc/alertmanager'],
    source: 'prometheus/alertmanager v0.28.1 Dockerfile: mkdir -p /alertmanager && chown -R nobody:nobody etc/alertmanager /alertmanager; USER nobody',
  },
  'grafana/grafana:12.3.6': {
    uid: 472,
    user: 'grafana',
    ownedDirs: ['/var/lib/grafana'],
    source: 'grafana/grafana Dockerfile: ARG GF_UID="472"; chown -R "grafana:$GF_GID_NAME" "$GF_PATHS_DATA" (/var/lib/grafana); USER "$GF_UID"',
  },
  'prom/blackbox-exporter:v0.27.0': {
    uid: 0,
    user: 'root',
    ownedDirs: [],
    source: 'prometheus/blackbox_exporter v0.27.0 Dockerfile: FROM quay.io/prometheus/busybox, no USER line (root, as the icmp prober needs); it keeps no data',
  },
  'thanosio/thanos:v0.42.4': {
    uid: 1001,
    user: 'thanos',
    ownedDirs: [],
    source:
      'thanos-io/thanos v0.42.4 Dockerfile: FROM quay.io/prometheus/busybox; adduser -D -H -u 1001 thanos (no home); COPY --chown=thanos /bin/thanos; USER 1001. It owns no data folder: the thanos-volumes job chowns the volumes',
  },
  'grafana/k6:1.3.0': {
    uid: 12345,
    user: 'k6',
    ownedDirs: ['/home/k6'],
    source: 'grafana/k6 Dockerfile: adduser -D -u 12345 -g 12345 k6; USER k6; WORKDIR /home/k6',
  },
};

/** Users of the base images this repository's Dockerfiles build on (`USER node`). */
export const baseImageUsers: Record<string, Record<string, number>> = {
  // The official node images create user node with uid 1000 (docker-library/node Dockerfile: groupadd --gid 1000 node && useradd --uid 1000 --gid node).
  'node:20.19.0-bookworm-slim': { root: 0, node: 1000 },
};
