#!/usr/bin/env python3
"""Writes the JSON files of this folder from the Python sources of
openstack/nova and openstack/tempest.

    python3 convert.py NOVA_GIT_DIR TEMPEST_GIT_DIR

Each argument is a git directory (a bare clone is fine); the schemas are
read from its HEAD, and the commit is recorded in every file. Nothing from
either project is imported beyond the schema modules themselves: the few
nova names they need are replaced by stand-ins with the same values.
"""

import json
import os
import subprocess
import sys
import tempfile
import types

HERE = os.path.dirname(os.path.abspath(sys.argv[0]))


def git(repo, *args):
    return subprocess.run(['git', '-C', repo, *args], check=True,
                          capture_output=True, text=True).stdout


def extract(repo, paths, into):
    for p in paths:
        dst = os.path.join(into, p)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with open(dst, 'w') as f:
            f.write(git(repo, 'show', 'HEAD:' + p))


def package(name, path=None):
    m = types.ModuleType(name)
    m.__path__ = [path] if path else []
    sys.modules[name] = m
    return m


def load(name, path):
    m = types.ModuleType(name)
    m.__file__ = path
    sys.modules[name] = m
    parent, _, leaf = name.rpartition('.')
    if parent:
        setattr(sys.modules[parent], leaf, m)
    with open(path) as f:
        exec(compile(f.read(), path, 'exec'), m.__dict__)
    return m


def constants(repo, module, *names):
    """Makes a stand-in for a nova module holding only the named
    integer constants, read from the module's source."""
    m = types.ModuleType(module)
    src = git(repo, 'show', 'HEAD:' + module.replace('.', '/') + '.py')
    for line in src.splitlines():
        key, sep, value = line.partition(' = ')
        if sep and key in names:
            setattr(m, key, int(value))
    sys.modules[module] = m
    return m


def write(rel, schema, comment):
    out = dict(schema)
    out = {'$comment': comment, **out}
    path = os.path.join(HERE, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(out, f, indent=2, sort_keys=False)
        f.write('\n')


NOVA_FILES = {
    'servers-detail': ('servers', [
        ('detail_response', '2.1', '2.2'),
        ('detail_response_v23', '2.3', '2.8'),
        ('detail_response_v29', '2.9', '2.15'),
        ('detail_response_v216', '2.16', '2.18'),
        ('detail_response_v219', '2.19', '2.25'),
        ('detail_response_v226', '2.26', '2.46'),
        ('detail_response_v247', '2.47', '2.62'),
        ('detail_response_v263', '2.63', '2.68'),
        ('detail_response_v269', '2.69', '2.72'),
        ('detail_response_v273', '2.73', '2.89'),
        ('detail_response_v290', '2.90', '2.95'),
        ('detail_response_v296', '2.96', '2.97'),
        ('detail_response_v298', '2.98', '2.99'),
        ('detail_response_v2100', '2.100', ''),
    ]),
    'server-migrations-index': ('server_migrations', [
        ('index_response_v223', '2.23', '2.58'),
        ('index_response_v259', '2.59', '2.79'),
        ('index_response_v280', '2.80', ''),
    ]),
    'server-migrations-show': ('server_migrations', [
        ('show_response_v223', '2.23', '2.58'),
        ('show_response_v259', '2.59', '2.79'),
        ('show_response_v280', '2.80', ''),
    ]),
    'os-migrations-index': ('migrations', [
        ('index_response_v20', '2.1', '2.22'),
        ('index_response_v223', '2.23', '2.58'),
        ('index_response_v259', '2.59', '2.79'),
        ('index_response_v280', '2.80', ''),
    ]),
    'versions-index': ('versions', [('index_response', '', '')]),
    'versions-show': ('versions', [('show_response', '', '')]),
    'migrate-action': ('migrate_server', [('migrate_response', '', '')]),
    'live-migrate-action': ('migrate_server', [('migrate_live_response', '', '')]),
    'confirm-resize-action': ('servers', [('confirm_resize_response', '', '')]),
    'revert-resize-action': ('servers', [('revert_resize_response', '', '')]),
    'force-complete-action': ('server_migrations', [('force_complete_response', '', '')]),
    'abort-migration': ('server_migrations', [('delete_response_v224', '2.24', '')]),
    'servers-show': ('servers', [
        ('show_response', '2.1', '2.2'),
        ('show_response_v23', '2.3', '2.8'),
        ('show_response_v29', '2.9', '2.15'),
        ('show_response_v216', '2.16', '2.18'),
        ('show_response_v219', '2.19', '2.25'),
        ('show_response_v226', '2.26', '2.46'),
        ('show_response_v247', '2.47', '2.62'),
        ('show_response_v263', '2.63', '2.68'),
        ('show_response_v269', '2.69', '2.70'),
        ('show_response_v271', '2.71', '2.72'),
        ('show_response_v273', '2.73', '2.89'),
        ('show_response_v290', '2.90', '2.95'),
        ('show_response_v296', '2.96', '2.97'),
        ('show_response_v298', '2.98', '2.99'),
        ('show_response_v2100', '2.100', ''),
    ]),
    'instance-actions-index': ('instance_actions', [
        ('index_response', '2.1', '2.57'),
        ('index_response_v258', '2.58', ''),
    ]),
    'instance-actions-show': ('instance_actions', [
        ('show_response', '2.1', '2.50'),
        ('show_response_v251', '2.51', '2.57'),
        ('show_response_v258', '2.58', '2.61'),
        ('show_response_v262', '2.62', '2.83'),
        ('show_response_v284', '2.84', ''),
    ]),
    'evacuate-action': ('evacuate', [
        ('evacuate_response', '2.1', '2.13'),
        ('evacuate_response_v214', '2.14', ''),
    ]),
    'services-index': ('services', [
        ('index_response', '2.1', '2.10'),
        ('index_response_v211', '2.11', '2.52'),
        ('index_response_v253', '2.53', '2.68'),
        ('index_response_v269', '2.69', ''),
    ]),
    'services-update': ('services', [
        ('update_response', '2.1', '2.52'),
        ('update_response_v253', '2.53', '2.68'),
        ('update_response_v269', '2.69', ''),
    ]),
    'hypervisors-detail': ('hypervisors', [
        ('detail_response', '2.1', '2.27'),
        ('detail_response_v228', '2.28', '2.32'),
        ('detail_response_v233', '2.33', '2.52'),
        ('detail_response_v253', '2.53', '2.87'),
        ('detail_response_v288', '2.88', ''),
    ]),
    'hypervisors-show': ('hypervisors', [
        ('show_response', '2.1', '2.27'),
        ('show_response_v228', '2.28', '2.52'),
        ('show_response_v253', '2.53', '2.87'),
        ('show_response_v288', '2.88', ''),
    ]),
}

TEMPEST_FILES = {
    'servers-detail': ('servers_client', 'servers', 'list_servers_detail'),
    'os-migrations-index': ('migrations_client', 'migrations', 'list_migrations'),
    'servers-show': ('servers_client', 'servers', 'get_server'),
    'instance-actions-index': ('servers_client', 'servers', 'list_instance_actions'),
    'instance-actions-show': ('servers_client', 'servers', 'show_instance_action'),
    'services-index': ('services_client', 'services', 'list_services'),
    'services-update': ('services_client', 'services', 'update_service'),
    'services-enable-disable': ('services_client', 'services', 'enable_disable_service'),
    'services-disable-log-reason': ('services_client', 'services', 'disable_log_reason'),
    'services-force-down': ('services_client', 'services', 'update_forced_down'),
    'hypervisors-detail': ('hypervisor_client', 'hypervisors', 'list_hypervisors_detail'),
    'hypervisors-show': ('hypervisor_client', 'hypervisors', 'get_hypervisor'),
}

# The microversions a tempest schema really applies to, where its client's
# schema_versions_info says more: update_service is the PUT of 2.53 and
# later, the enable, disable, disable-log-reason and force-down schemas are
# those of the PUT /os-services/{action} routes nova has only before 2.53
# (force-down from 2.11), and the hypervisor schemas of v2_53 require the
# resource figures nova removed in 2.88 and lack its uptime.
TEMPEST_BOUNDS = {
    'services-update': ('2.53', ''),
    'services-enable-disable': ('2.1', '2.52'),
    'services-disable-log-reason': ('2.1', '2.52'),
    'services-force-down': ('2.11', '2.52'),
    'hypervisors-detail': ('2.1', '2.87'),
    'hypervisors-show': ('2.1', '2.87'),
}


# Schemas tempest's servers_client picks by microversion in the method
# itself rather than through schema_versions_info: evacuate_server takes
# evacuate_server_with_admin_pass before 2.14 (with the default
# enable_instance_password) and evacuate_server, a status code and no
# body, from 2.14.
TEMPEST_BY_METHOD = [
    ('evacuate-action', '2.1', '2.13', 'v2_1', 'servers', 'evacuate_server_with_admin_pass'),
    ('evacuate-action', '2.14', '', 'v2_1', 'servers', 'evacuate_server'),
]


def version(v):
    return tuple(int(x) for x in v.split('.'))


def bounded(route, lo, hi):
    """Clips the range lo..hi (hi '' for no end) to TEMPEST_BOUNDS;
    None when nothing is left."""
    if route not in TEMPEST_BOUNDS:
        return lo, hi
    blo, bhi = TEMPEST_BOUNDS[route]
    lo = max(lo, blo, key=version)
    if not hi or (bhi and version(bhi) < version(hi)):
        hi = bhi
    if hi and version(hi) < version(lo):
        return None
    return lo, hi


def name(route, lo, hi):
    if not lo and not hi:
        return route + '.json'
    return '%s.%s-%s.json' % (route, lo, hi)


def nova(repo):
    commit = git(repo, 'rev-parse', 'HEAD').strip()
    tmp = tempfile.mkdtemp()
    base = 'nova/api/openstack/compute/schemas/'
    mods = sorted({m for m, _ in NOVA_FILES.values()})
    extract(repo, ['nova/api/validation/parameter_types.py',
                   'nova/api/validation/response_types.py'] +
            [base + m + '.py' for m in mods], tmp)
    package('nova')
    i18n = types.ModuleType('nova.i18n')
    i18n._ = lambda s: s
    sys.modules['nova.i18n'] = i18n
    package('nova.objects')
    tag = constants(repo, 'nova.objects.tag', 'MAX_TAG_LENGTH')
    inst = constants(repo, 'nova.objects.instance', 'MAX_TAG_COUNT')
    sys.modules['nova.objects'].tag = tag
    sys.modules['nova.objects'].instance = inst
    package('nova.api')
    package('nova.api.validation')
    load('nova.api.validation.parameter_types',
         os.path.join(tmp, 'nova/api/validation/parameter_types.py'))
    load('nova.api.validation.response_types',
         os.path.join(tmp, 'nova/api/validation/response_types.py'))
    package('nova.api.openstack')
    package('nova.api.openstack.compute')
    package('nova.api.openstack.compute.schemas')
    loaded = {m: load('nova.api.openstack.compute.schemas.' + m,
                      os.path.join(tmp, base + m + '.py')) for m in mods}
    files = []
    for route, (mod, entries) in NOVA_FILES.items():
        for var, lo, hi in entries:
            rel = 'nova/' + name(route, lo, hi)
            comment = ('openstack/nova %s%s.py %s at commit %s' %
                       (base, mod, var, commit))
            write(rel, getattr(loaded[mod], var), comment)
            files.append(rel)
    return commit, files


def tempest_ranges(repo, client):
    """Reads schema_versions_info of a tempest service client: a list of
    (min, max, module folder)."""
    src = git(repo, 'show', 'HEAD:tempest/lib/services/compute/%s.py' % client)
    aliases = {}
    for line in src.replace('\\\n', ' ').splitlines():
        line = line.split('#')[0].strip()
        if line.startswith('from tempest.lib.api_schema.response.compute.'):
            words = line.split()
            folder = words[1].rsplit('.', 1)[1]
            aliases[words[-1] if 'as' in words else words[3]] = folder
    i = src.index('schema_versions_info = [')
    j = src.index(']', i)
    out = []
    for entry in src[i:j].split('{')[1:]:
        d = eval('{' + entry.split('}')[0] + '}', {}, {k: k for k in aliases})
        out.append((d['min'] or '2.1', d['max'] or '', aliases[d['schema']]))
    return out


def tempest(repo):
    commit = git(repo, 'rev-parse', 'HEAD').strip()
    tmp = tempfile.mkdtemp()
    root = 'tempest/lib/api_schema/response/compute/'
    paths = [p for p in git(repo, 'ls-tree', '-r', '--name-only', 'HEAD',
                            root).split() if p.endswith('.py')]
    extract(repo, paths, tmp)
    sys.path.insert(0, tmp)
    for p in ('tempest', 'tempest/lib', 'tempest/lib/api_schema',
              'tempest/lib/api_schema/response'):
        open(os.path.join(tmp, p, '__init__.py'), 'a').close()
    import importlib
    files = []
    for route, (client, module, var) in TEMPEST_FILES.items():
        # Consecutive ranges whose schemas are equal make one file.
        merged = []
        for lo, hi, folder in tempest_ranges(repo, client):
            kept = bounded(route, lo, hi)
            if kept is None:
                continue
            lo, hi = kept
            m = importlib.import_module(
                'tempest.lib.api_schema.response.compute.%s.%s' %
                (folder, module))
            schema = getattr(m, var)
            if merged and merged[-1][3] == schema:
                merged[-1][1] = hi
                merged[-1][2].append(folder)
            else:
                merged.append([lo, hi, [folder], schema])
        for lo, hi, folders, schema in merged:
            rel = 'tempest/' + name(route, lo, hi)
            comment = ('openstack/tempest %s{%s}/%s.py %s at commit %s' %
                       (root, ','.join(folders), module, var, commit))
            if len(folders) == 1:
                comment = comment.replace('{', '').replace('}', '')
            write(rel, schema, comment)
            files.append(rel)
    for route, lo, hi, folder, module, var in TEMPEST_BY_METHOD:
        m = importlib.import_module(
            'tempest.lib.api_schema.response.compute.%s.%s' % (folder, module))
        rel = 'tempest/' + name(route, lo, hi)
        write(rel, getattr(m, var), 'openstack/tempest %s%s/%s.py %s at commit %s' %
              (root, folder, module, var, commit))
        files.append(rel)
    m = importlib.import_module(
        'tempest.lib.api_schema.response.compute.v2_1.versions')
    for route, var in (('versions-index', 'list_versions'),
                       ('versions-show', 'get_one_version')):
        rel = 'tempest/' + route + '.json'
        write(rel, getattr(m, var), 'openstack/tempest %sv2_1/versions.py %s at commit %s' % (root, var, commit))
        files.append(rel)
    return commit, files


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    for c, fs in (nova(sys.argv[1]), tempest(sys.argv[2])):
        print(c, len(fs), 'files')
