/* The Mach calls the macOS platform code makes. Apple's SDK declares them in
 * <mach/mach.h> and <mach/mach_vm.h>; the cross toolchain's subset of the macOS
 * headers lacks those two, so the prototypes are given here as the SDK's MIG
 * headers declare them (the types are mach_port_t-based typedefs either way). */
#ifndef ENVSEAL_DARWIN_MACH_CALLS_H
#define ENVSEAL_DARWIN_MACH_CALLS_H

#if __has_include(<mach/mach_vm.h>)
#include <mach/mach.h>
#include <mach/mach_vm.h>
#else
#include <mach/kern_return.h>
#include <mach/mach_init.h>
#include <mach/mach_types.h>
#include <mach/vm_region.h>

kern_return_t mach_vm_region_recurse(vm_map_t target_task, mach_vm_address_t *address,
                                     mach_vm_size_t *size, natural_t *nesting_depth,
                                     vm_region_recurse_info_t info,
                                     mach_msg_type_number_t *infoCnt);
kern_return_t mach_vm_read_overwrite(vm_map_t target_task, mach_vm_address_t address,
                                     mach_vm_size_t size, mach_vm_address_t data,
                                     mach_vm_size_t *outsize);
kern_return_t mach_vm_write(vm_map_t target_task, mach_vm_address_t address, vm_offset_t data,
                            mach_msg_type_number_t dataCnt);
kern_return_t task_threads(task_t target_task, thread_act_array_t *act_list,
                           mach_msg_type_number_t *act_listCnt);
kern_return_t mach_port_deallocate(ipc_space_t task, mach_port_name_t name);
kern_return_t vm_deallocate(vm_map_t target_task, vm_address_t address, vm_size_t size);
#endif

#endif
