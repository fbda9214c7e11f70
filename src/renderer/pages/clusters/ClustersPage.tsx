import { Navigate, Route, Routes } from 'react-router-dom';
import { ClusterList } from './ClusterList';
import { CreateWizard } from './CreateWizard';
import { DraftProvider } from './DraftContext';
import { ImportPage } from './ImportPage';

/** The Clusters page: the list at /clusters, the wizard at /clusters/new, the import at /clusters/import. */
export function ClustersPage() {
  return (
    <DraftProvider>
      <Routes>
        <Route index element={<ClusterList />} />
        <Route path="new" element={<CreateWizard />} />
        <Route path="import" element={<ImportPage />} />
        <Route path="*" element={<Navigate to="/clusters" replace />} />
      </Routes>
    </DraftProvider>
  );
}
