package dev.iccache.tenant;

class InMemorySharedStateTest extends SharedStateContract {
    @Override
    protected SharedState open() {
        return new InMemorySharedState();
    }
}
