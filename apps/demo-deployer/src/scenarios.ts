import type { DeploymentErrorCode, InstanceType } from '@neo/contracts';

/** One step of a simulated deployment: its name, share of the total time, and the log lines it prints. */
export interface StepPlan {
  name: string;
  /** Fraction of the deployment's duration (the fractions of a plan add up to 1). */
  weight: number;
  logs: string[];
}

/** Realistic steps per instance type, in Spanish like the portal (they are shown to the tenant). */
export const PLANS: Record<InstanceType, StepPlan[]> = {
  odoo: [
    { name: 'Descargando imagen Docker', weight: 0.2, logs: ['Pulling odoo:17.0 from registry.neo-stack.internal', 'Digest: sha256:4f1c…9ab2', 'Status: Downloaded newer image for odoo:17.0'] },
    { name: 'Creando red y volúmenes', weight: 0.1, logs: ['Creating network "odoo-net"', 'Creating volume "odoo-data" (20 GiB)'] },
    { name: 'Aprovisionando PostgreSQL', weight: 0.25, logs: ['Starting postgres:16', 'database system is ready to accept connections', 'CREATE ROLE odoo LOGIN'] },
    { name: 'Inicializando base de datos de Odoo', weight: 0.3, logs: ['odoo -i base --stop-after-init', 'Loading 47 modules…', 'Modules loaded.'] },
    { name: 'Configurando proxy y certificado TLS', weight: 0.15, logs: ['Issuing certificate for {host}', 'Route https://{host} → odoo:8069'] },
  ],
  netbox: [
    { name: 'Descargando imagen Docker', weight: 0.2, logs: ['Pulling netboxcommunity/netbox:v4.1', 'Status: Downloaded newer image'] },
    { name: 'Levantando PostgreSQL y Redis', weight: 0.2, logs: ['Starting postgres:16', 'Starting redis:7', 'Ready to accept connections tcp'] },
    { name: 'Aplicando migraciones', weight: 0.35, logs: ['python manage.py migrate', 'Applying dcim.0001_initial… OK', 'Applying ipam.0001_initial… OK', '212 migrations applied'] },
    { name: 'Creando superusuario', weight: 0.1, logs: ['Superuser "admin" created'] },
    { name: 'Configurando proxy y certificado TLS', weight: 0.15, logs: ['Issuing certificate for {host}', 'Route https://{host} → netbox:8080'] },
  ],
  wazuh: [
    { name: 'Descargando imágenes Docker', weight: 0.2, logs: ['Pulling wazuh/wazuh-manager:4.9.0', 'Pulling wazuh/wazuh-indexer:4.9.0', 'Pulling wazuh/wazuh-dashboard:4.9.0'] },
    { name: 'Generando certificados internos', weight: 0.15, logs: ['Generating root CA', 'Generating certificates for indexer, manager, dashboard'] },
    { name: 'Iniciando indexador', weight: 0.3, logs: ['wazuh-indexer: cluster health YELLOW', 'wazuh-indexer: cluster health GREEN'] },
    { name: 'Iniciando manager', weight: 0.2, logs: ['wazuh-manager: Started wazuh-analysisd', 'wazuh-manager: Started wazuh-remoted on 1514/tcp'] },
    { name: 'Configurando dashboard y TLS', weight: 0.15, logs: ['Issuing certificate for {host}', 'Route https://{host} → dashboard:5601'] },
  ],
};

/** Typical duration of a deployment at speed 1, ms: 20–40 s, wazuh the slowest. */
export const BASE_DURATION_MS: Record<InstanceType, [number, number]> = { odoo: [20_000, 30_000], netbox: [22_000, 32_000], wazuh: [28_000, 40_000] };

/**
 * Failures the demo deployer simulates: a code the portal words in the reader's language (es-MX, en), with
 * the step as parameter, and an English fallback for API consumers.
 */
export const FAILURES: ReadonlyArray<{ code: DeploymentErrorCode; error: string }> = [
  { code: 'image_signature_invalid', error: 'The image failed its signature check' },
  { code: 'database_timeout', error: 'Timed out connecting to the database' },
  { code: 'insufficient_memory', error: 'No capacity on the node: not enough memory' },
];

/** What a deployment cut short by the deployer's own stop reports. */
export const DEPLOYER_STOPPED = { code: 'deployer_stopped', error: 'The deployer stopped before the deployment finished' } as const satisfies { code: DeploymentErrorCode; error: string };
