import { adminChannel } from '@neo/contracts';

/**
 * The platform host's metrics (`admin:metrics`, operators only): the latest figures and the series
 * behind the charts, from history on first paint, then live.
 */
export function useSystemMetrics() {
  const { user } = useAuth();
  const isAdmin = computed(() => user.value?.operator ?? false);
  const stream = useMetricStream(() => (isAdmin.value ? adminChannel('metrics') : ''));
  const series = computed(() => stream.series(''));
  const latest = computed(() => {
    void stream.tick.value;
    return series.value?.latest ?? null;
  });
  return { ...stream, series, latest };
}
